"""Rule ``shot_features``: one decode of the movie at its own frame rate and a
small size into its :class:`~framescape.shots.features.FrameFeatures`, written
as it decodes, so memory does not grow with the movie's length."""

import contextlib
import os
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
    HISTOGRAM_BINS,
    THUMB_HEIGHT,
    THUMB_WIDTH,
    chunk_features,
)


class ShotDecoder(MovieDecoder):
    """:class:`~framescape.frames.decode.MovieDecoder` of every frame at the
    movie's own rate, fast rather than fine: H.264's deblocking skipped, which
    a 64×36 picture hardly shows, and area averaging, which keeps fine
    textures from aliasing into steps between frames at less cost than
    ffmpeg's default bicubic scaling."""

    def __init__(self, path, threads=1):
        super().__init__(path, None, DECODE_WIDTH, DECODE_HEIGHT, threads=threads)

    def command(self):
        video = ffmpeg.input(
            os.fspath(self.path),
            threads=self.threads,
            skip_loop_filter="all",
            flags2="fast",
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
        return output.global_args(
            "-nostdin", "-hide_banner", "-nostats", "-loglevel", "level+info"
        ).compile(cmd=ffmpeg_exe())


class NpyRows:
    """Rows appended to an open ``.npy`` file as they come: a header of a fixed
    size first, written again with the row count by :meth:`finish`."""

    def __init__(self, handle, row_shape, dtype):
        self.handle, self.row_shape, self.dtype = handle, row_shape, np.dtype(dtype)
        self.rows = 0
        handle.write(b"\0" * NPY_HEADER_SIZE)

    def append(self, rows):
        self.handle.write(np.ascontiguousarray(rows, self.dtype).tobytes())
        self.rows += len(rows)

    def finish(self):
        self.handle.seek(0)
        self.handle.write(npy_header((self.rows, *self.row_shape), self.dtype))


ROWS = {
    "thumbs": ((THUMB_HEIGHT, THUMB_WIDTH, 3), np.uint8),
    "histograms": ((HISTOGRAM_BINS,), np.uint16),
    "colours": ((3,), np.uint8),
}


def decode_features(path, folder, threads=1, duration=None, rate=None, name=None):
    """Decode ``path`` once at its own rate and write its features as
    ``<folder>/{thumbs,histograms,colours,times}.npy``, each atomically;
    returns the frame count. ``duration`` (s) and ``rate`` (frames a second)
    from the header make the progress lines say how much is left, and tell a
    damaged file that stops early; ``name`` is the movie's in messages.
    """
    expected = round(duration * rate) if duration and rate else None
    folder = Path(folder)
    name = name or os.path.basename(path)
    decoder = ShotDecoder(path, threads)
    progress = Progress(f"{name}: decoding for shots")
    with contextlib.ExitStack() as stack:
        outputs = {}
        for key, (row_shape, dtype) in ROWS.items():
            temporary = stack.enter_context(atomic_path(folder / f"{key}.npy"))
            handle = stack.enter_context(open(temporary, "wb"))
            outputs[key] = NpyRows(handle, row_shape, dtype)
        try:
            decode_into(decoder, outputs, progress, expected)
            decoder.check_complete(duration)
        except FramescapeError as error:
            raise FramescapeError(f"{name}: {error}") from None
        frames = outputs["colours"].rows
        if frames == 0:
            raise FramescapeError(f"{name}: no frame could be decoded")
        if len(decoder.times) != frames:
            raise FramescapeError(
                f"{name}: {frames} frames decoded but {len(decoder.times)} timestamps"
            )
        for output in outputs.values():
            output.finish()
        save_npy(folder / "times.npy", np.asarray(decoder.times, np.float64))
    log.info("%s: %d frames decoded for shots", name, frames)
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
    thumbs, histograms, colours = chunk_features(np.stack(chunk))
    outputs["thumbs"].append(thumbs)
    outputs["histograms"].append(histograms)
    outputs["colours"].append(colours)
