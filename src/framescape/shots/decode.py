"""Rule ``shot_features``: one decode of the movie at its own frame rate and a
small size into its :class:`~framescape.shots.features.FrameFeatures`, written
as it decodes, so memory does not grow with the movie's length."""

import contextlib
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import ffmpeg
import numpy as np

from framescape.common import (
    FramescapeError,
    Progress,
    atomic_path,
    load_json,
    log,
    save_npy,
)
from framescape.frames.decode import MovieDecoder
from framescape.frames.extract import NPY_HEADER_SIZE, npy_header
from framescape.frames.probe import ffmpeg_exe
from framescape.shots.features import (
    CHUNK_FRAMES,
    DECODE_HEIGHT,
    DECODE_WIDTH,
    GRAY_HEIGHT,
    GRAY_WIDTH,
    HISTOGRAM_BINS,
    THUMB_HEIGHT,
    THUMB_WIDTH,
    chunk_features,
)

# A movie is decoded in parts at once when each part is at least this long,
# the parts overlapping by PART_OVERLAP s so that no frame falls between.
MIN_PART_SECONDS = 120
PART_OVERLAP = 2.0


class ShotDecoder(MovieDecoder):
    """:class:`~framescape.frames.decode.MovieDecoder` of every frame at the
    movie's own rate, fast rather than fine: H.264's deblocking skipped, which
    a 64×36 picture hardly shows, and area averaging, which keeps fine
    textures from aliasing into steps between frames at less cost than
    ffmpeg's default bicubic scaling."""

    def __init__(self, path, threads=1, start=None, stop=None):
        super().__init__(path, None, DECODE_WIDTH, DECODE_HEIGHT, threads=threads)
        self.start, self.stop = start, stop

    def command(self):
        # A part of the movie (start, stop: seconds) keeps the movie's own
        # timestamps (-copyts), from zero as a whole decode has them
        # (-start_at_zero), so parts decoded apart line up frame for frame.
        part = {}
        if self.start is not None:
            part["ss"] = f"{self.start:.3f}"
        if self.stop is not None:
            part["to"] = f"{self.stop:.3f}"
        video = ffmpeg.input(
            os.fspath(self.path),
            threads=self.threads,
            skip_loop_filter="all",
            flags2="fast",
            **part,
        )["v:0"]
        frames = (
            video.filter("scale", self.width, self.height, flags="area")
            .filter("setsar", 1)
            .filter("showinfo")
            .filter("format", "rgb24")
        )
        output = ffmpeg.output(
            frames, "pipe:1", fps_mode="passthrough", format="rawvideo", pix_fmt="rgb24"
        )
        timestamps = ("-copyts", "-start_at_zero") if part else ()
        return output.global_args(
            *timestamps,
            "-nostdin",
            "-hide_banner",
            "-nostats",
            "-loglevel",
            "level+info",
        ).compile(cmd=ffmpeg_exe())


class NpyRows:
    """Rows appended to an open ``.npy`` file as they come: a header of a fixed
    size first, written again with the row count by :meth:`finish`."""

    def __init__(self, handle, row_shape, dtype):
        self.handle, self.row_shape, self.dtype = handle, row_shape, np.dtype(dtype)
        self.rows = 0
        handle.write(b"\0" * NPY_HEADER_SIZE)

    def append(self, rows):
        if rows.shape[1:] != self.row_shape:
            raise ValueError(f"rows of {rows.shape[1:]}, not {self.row_shape}")
        self.handle.write(np.ascontiguousarray(rows, self.dtype).tobytes())
        self.rows += len(rows)

    def finish(self):
        self.handle.seek(0)
        self.handle.write(npy_header((self.rows, *self.row_shape), self.dtype))


ROWS = {
    "thumbs": ((THUMB_HEIGHT, THUMB_WIDTH, 3), np.uint8),
    "grays": ((GRAY_HEIGHT, GRAY_WIDTH), np.uint8),
    "histograms": ((HISTOGRAM_BINS,), np.uint16),
    "colours": ((3,), np.uint8),
}


def decode_features(path, folder, threads=1, duration=None, rate=None, name=None):
    """Decode ``path`` once at its own rate and write its features as
    ``<folder>/<name>.npy``, one a name of ``FEATURE_FILES``, each atomically;
    returns the frame count. ``duration`` (s) and ``rate`` (frames a second)
    from the header make the progress lines say how much is left, and tell a
    damaged file that stops early; ``name`` is the movie's in messages.

    A movie of a few minutes or more is decoded in ``threads`` parts at once,
    one ffmpeg each: one H.264 decoder keeps about one core busy whatever its
    threads.
    """
    folder = Path(folder)
    name = name or os.path.basename(path)
    parts = part_bounds(duration, threads)
    try:
        if len(parts) == 1:
            decoder = ShotDecoder(path, threads)
            progress = Progress(f"{name}: decoding for shots")
            expected = round(duration * rate) if duration and rate else None
            frames = write_features(decoder, folder, progress, expected)
            decoder.check_complete(duration)
        else:
            frames = decode_parts(path, folder, parts, duration, rate, name)
    except FramescapeError as error:
        raise FramescapeError(f"{name}: {error}") from None
    log.info("%s: %d frames decoded for shots", name, frames)
    return frames


def part_bounds(duration, parts):
    """``[(start, stop)]`` seconds of each part, ``None`` for the movie's own
    start or end; neighbours overlap by :data:`PART_OVERLAP` s. One part for a
    movie shorter than :data:`MIN_PART_SECONDS` a part, or of unknown length."""
    parts = min(parts, int((duration or 0) // MIN_PART_SECONDS)) if duration else 1
    if parts <= 1:
        return [(None, None)]
    cuts = [duration * k / parts for k in range(1, parts)]
    starts = [None] + [cut - PART_OVERLAP for cut in cuts]
    stops = [cut + PART_OVERLAP for cut in cuts] + [None]
    return list(zip(starts, stops))


def decode_parts(path, folder, parts, duration, rate, name):
    """:func:`decode_features` in ``parts`` (:func:`part_bounds`) at once, each
    into a scratch folder, then joined: each part gives the frames from the
    middle of its overlap with the one before to the middle of the next."""
    # Scratch space outside the results: on a cluster, the node's own disk.
    with tempfile.TemporaryDirectory(prefix="framescape-shot-parts-") as scratch:
        scratch = Path(scratch)
        count = len(parts)

        def decode(index):
            start, stop = parts[index]
            seconds = (stop or duration) - (start or 0)
            progress = Progress(
                f"{name}: decoding for shots, part {index + 1} of {count}"
            )
            expected = round(seconds * rate) if rate else None
            decoder = ShotDecoder(path, 1, start, stop)
            write_features(decoder, scratch / str(index), progress, expected)
            return decoder

        with ThreadPoolExecutor(count) as pool:
            decoders = list(pool.map(decode, range(count)))
        for decoder in decoders[:-1]:
            if decoder.errors:
                log.warning("ffmpeg: %s", decoder.errors[0])
        decoders[-1].check_complete(duration)
        return join_parts(scratch, parts, folder)


def join_parts(scratch, parts, folder):
    """The parts' features in ``scratch/<index>/`` as one movie's in
    ``folder``: each part's frames whose times fall between the middles of its
    overlaps (the movie's first timestamp counted as its start)."""
    times = [np.load(scratch / str(index) / "times.npy") for index in range(len(parts))]
    middles = [start + PART_OVERLAP for start, _ in parts[1:]]
    lows = [-np.inf, *middles]
    highs = [*middles, np.inf]
    keep = [(t >= low) & (t < high) for t, low, high in zip(times, lows, highs)]
    for index, middle in enumerate(middles):
        # Both parts must reach across the middle of their overlap.
        if times[index][-1] < middle or times[index + 1][0] > middle:
            raise FramescapeError(
                f"truncated or damaged near {middle:.1f} s: the decode's parts "
                "do not meet there"
            )
    with contextlib.ExitStack() as stack:
        for key, (row_shape, dtype) in ROWS.items():
            temporary = stack.enter_context(atomic_path(folder / f"{key}.npy"))
            with open(temporary, "wb") as handle:
                rows = NpyRows(handle, row_shape, dtype)
                for index, kept in enumerate(keep):
                    part = np.load(scratch / str(index) / f"{key}.npy", mmap_mode="r")
                    for begin in range(0, len(part), CHUNK_FRAMES):
                        stop = begin + CHUNK_FRAMES
                        rows.append(part[begin:stop][kept[begin:stop]])
                rows.finish()
        joined = np.concatenate([t[kept] for t, kept in zip(times, keep)])
        if np.any(np.diff(joined) <= 0):
            raise FramescapeError("the decoded parts' timestamps do not follow")
        save_npy(folder / "times.npy", joined)
    return len(joined)


def write_features(decoder, folder, progress, expected):
    """The features of every frame ``decoder`` gives, written into ``folder``
    (each file atomically); returns the frame count."""
    folder = Path(folder)
    with contextlib.ExitStack() as stack:
        outputs = {}
        for key, (row_shape, dtype) in ROWS.items():
            temporary = stack.enter_context(atomic_path(folder / f"{key}.npy"))
            handle = stack.enter_context(open(temporary, "wb"))
            outputs[key] = NpyRows(handle, row_shape, dtype)
        decode_into(decoder, outputs, progress, expected)
        frames = outputs["colours"].rows
        if frames == 0:
            raise FramescapeError("no frame could be decoded")
        if len(decoder.times) != frames:
            raise FramescapeError(
                f"{frames} frames decoded but {len(decoder.times)} timestamps"
            )
        for output in outputs.values():
            output.finish()
        save_npy(folder / "times.npy", np.asarray(decoder.times, np.float64))
    return frames


def features_step(source, probe_json, folder, file_name, threads=1):
    """Rule ``shot_features``: the features of one movie (see
    :func:`decode_features`); ``file_name`` names it in messages."""
    probe = load_json(probe_json)
    if probe.get("error"):
        raise FramescapeError(f"{file_name}: {probe['error']}")
    return decode_features(
        source, folder, threads, probe.get("duration"), probe.get("fps"), file_name
    )


def decode_into(decoder, outputs, progress, expected):
    """The decoder's frames, in chunks, as features into ``outputs``."""
    chunk = []
    for frame in decoder:
        chunk.append(frame)
        if len(chunk) == CHUNK_FRAMES:
            write_chunk(outputs, chunk)
            chunk = []
            progress(outputs["colours"].rows, expected, "frames")
    if chunk:
        write_chunk(outputs, chunk)


def write_chunk(outputs, chunk):
    for key, rows in chunk_features(np.stack(chunk)).items():
        outputs[key].append(rows)
