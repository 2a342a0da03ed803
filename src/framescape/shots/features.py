"""Rule ``shot_features``: one decode of the movie at its own frame rate and a
small size, kept as a few hundred bytes a frame (:class:`FrameFeatures`): a
16×9 colour thumbnail, a 64-bin colour histogram, the frame's mean colour (the
colour barcode) and its time. Written as it decodes, so memory does not grow
with the movie's length."""

import contextlib
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

from framescape.common import FramescapeError, Progress, atomic_path, log, save_npy
from framescape.frames.decode import MovieDecoder
from framescape.frames.extract import NPY_HEADER_SIZE, npy_header

# ffmpeg scales every frame to this before the features are taken: small enough
# that a 1080p movie costs little beyond its decoding.
DECODE_WIDTH, DECODE_HEIGHT = 64, 36
THUMB_WIDTH, THUMB_HEIGHT = 16, 9
# 4 levels of each of red, green and blue.
HISTOGRAM_LEVELS = 4
HISTOGRAM_BINS = HISTOGRAM_LEVELS**3
CHUNK_FRAMES = 1024
FEATURE_FILES = ("thumbs", "histograms", "colours", "times")


class FrameFeatures(NamedTuple):
    """A movie's frames as features, one row a frame (arrays or memory maps).

    ``thumbs`` ``(N, 9, 16, 3) uint8``; ``histograms`` ``(N, 64) uint16``
    (pixels of the 64×36 frame per bin); ``colours`` ``(N, 3) uint8`` (mean
    RGB); ``times`` ``(N,) float64`` (seconds, ffmpeg's timestamps).
    """

    thumbs: np.ndarray
    histograms: np.ndarray
    colours: np.ndarray
    times: np.ndarray

    def __len__(self):
        return len(self.times)


def chunk_features(frames):
    """Thumbnails, histograms and mean colours of ``(n, 36, 64, 3) uint8`` frames."""
    n = len(frames)
    blocks = frames.reshape(
        n,
        THUMB_HEIGHT,
        DECODE_HEIGHT // THUMB_HEIGHT,
        THUMB_WIDTH,
        DECODE_WIDTH // THUMB_WIDTH,
        3,
    )
    thumbs = np.rint(blocks.mean(axis=(2, 4))).astype(np.uint8)
    levels = (frames // (256 // HISTOGRAM_LEVELS)).astype(np.int32)
    bins = (levels[..., 0] * HISTOGRAM_LEVELS + levels[..., 1]) * HISTOGRAM_LEVELS
    bins = (bins + levels[..., 2]).reshape(n, -1)
    offsets = (np.arange(n) * HISTOGRAM_BINS)[:, None]
    histograms = np.bincount(
        (bins + offsets).ravel(), minlength=n * HISTOGRAM_BINS
    ).reshape(n, HISTOGRAM_BINS)
    colours = np.rint(frames.reshape(n, -1, 3).mean(axis=1)).astype(np.uint8)
    return thumbs, histograms.astype(np.uint16), colours


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


def decode_features(path, folder, threads=1, expected=None):
    """Decode ``path`` once at its own rate and write its features as
    ``<folder>/{thumbs,histograms,colours,times}.npy``, each atomically;
    returns the frame count. ``expected`` (frames, from the header) only makes
    the progress lines say how much is left.
    """
    folder = Path(folder)
    name = os.path.basename(path)
    decoder = MovieDecoder(path, None, DECODE_WIDTH, DECODE_HEIGHT, threads=threads)
    progress = Progress(f"{name}: decoding for shots")
    with contextlib.ExitStack() as stack:
        outputs = {}
        for key, (row_shape, dtype) in ROWS.items():
            temporary = stack.enter_context(atomic_path(folder / f"{key}.npy"))
            handle = stack.enter_context(open(temporary, "wb"))
            outputs[key] = NpyRows(handle, row_shape, dtype)
        chunk = []
        for frame in decoder:
            chunk.append(frame)
            if len(chunk) == CHUNK_FRAMES:
                write_chunk(outputs, chunk)
                chunk = []
                progress(outputs["colours"].rows, expected, "frames")
        if chunk:
            write_chunk(outputs, chunk)
        frames = outputs["colours"].rows
        if len(decoder.times) != frames:
            raise FramescapeError(
                f"{name}: {frames} frames decoded but {len(decoder.times)} timestamps"
            )
        for output in outputs.values():
            output.finish()
        save_npy(folder / "times.npy", np.asarray(decoder.times, np.float64))
    log.info("%s: %d frames decoded for shots", name, frames)
    return frames


def write_chunk(outputs, chunk):
    thumbs, histograms, colours = chunk_features(np.stack(chunk))
    outputs["thumbs"].append(thumbs)
    outputs["histograms"].append(histograms)
    outputs["colours"].append(colours)


def load_features(folder, mmap_mode="r"):
    """The :class:`FrameFeatures` of ``folder``, as memory maps by default."""
    folder = Path(folder)
    return FrameFeatures(
        *(
            np.load(folder / f"{name}.npy", mmap_mode=mmap_mode)
            for name in FEATURE_FILES
        )
    )
