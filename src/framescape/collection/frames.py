"""Rule ``collection_frames``: one movie's ``frames.npy`` at the folder map's
common size (``collection.frame_width`` × ``collection.frame_height``), by area
averaging, a block of frames at a time from file to file (the job's memory is
one block's, whatever the movie's length); kept per movie."""


import numpy as np

from framescape.collection.blocks import frame_blocks, frame_shape, frames_writer
from framescape.collection.parameters import resize_block
from framescape.common import log


def area_weights(source, target):
    """``(target, source) float64``: output pixel ``i`` is the mean of the
    source pixels under ``[i, i + 1) × source / target``, partly covered pixels
    weighted by the share covered (each row sums to 1).

    Whole-number ratios give plain block means (320 → 40: 8 pixels each).
    """
    edges = np.arange(target + 1) * (source / target)
    starts, stops = edges[:-1, None], edges[1:, None]
    pixels = np.arange(source)[None, :]
    covered = np.clip(
        np.minimum(stops, pixels + 1) - np.maximum(starts, pixels), 0, None
    )
    return covered / covered.sum(axis=1, keepdims=True)


class Resizer:
    """Area averaging from ``source_width × source_height`` to ``width ×
    height``: ``resizer(part)`` resizes ``(n, H, W, 3) uint8`` frames into
    ``(n, height, width, 3) uint8``, each pixel the mean of the pixels it
    covers, rounded."""

    def __init__(self, source_width, source_height, width, height):
        self.rows = area_weights(source_height, height).astype(np.float32)
        self.columns = area_weights(source_width, width).astype(np.float32)
        self.height = height

    def __call__(self, part):
        count, source_height, source_width, _ = part.shape
        # Rows first, (h, H) @ (H, W·3) a frame; then columns, (w, W) @ (W, 3)
        # a row of the result: two small products, no large temporaries.
        pixels = np.asarray(part, np.float32).reshape(count, source_height, -1)
        tall = np.matmul(self.rows, pixels)
        rows = tall.reshape(count, self.height, source_width, 3)
        means = np.matmul(self.columns, rows)
        np.rint(means, out=means)
        np.clip(means, 0, 255, out=means)
        return means.astype(np.uint8)


def common_size(frames, width, height, block=None):
    """Frames resized to ``width × height`` by area averaging (:class:`Resizer`).

    Parameters
    ----------
    frames : (N, H, W, 3) uint8
        A memmap is read ``block`` frames at a time.
    width, height : int
        Pixels of the common size.
    block : int, optional
        Frames resized at a time (float32 copies of them are held); by default
        :func:`~framescape.collection.parameters.resize_block`'s.

    Returns
    -------
    (N, height, width, 3) uint8
    """
    n, source_height, source_width, _ = frames.shape
    block = block or resize_block(source_width, source_height, width, height)
    resizer = Resizer(source_width, source_height, width, height)
    resized = np.empty((n, height, width, 3), np.uint8)
    for start in range(0, n, block):
        resized[start : start + block] = resizer(frames[start : start + block])
    return resized


def collection_frames_step(frames_npy, output, width, height):
    """Rule ``collection_frames``: one movie's frames at the common size,
    read, resized and written
    :func:`~framescape.collection.parameters.resize_block` frames at a time."""
    (n, source_height, source_width, _), _ = frame_shape(frames_npy)
    resizer = Resizer(source_width, source_height, width, height)
    block = resize_block(source_width, source_height, width, height)
    with frames_writer(output, (n, height, width, 3)) as resized:
        for part in frame_blocks(frames_npy, block):
            resized.write(resizer(part))
    log.info(
        "%d frames of %dx%d resized to %dx%d, %d at a time",
        n,
        source_width,
        source_height,
        width,
        height,
        block,
    )
