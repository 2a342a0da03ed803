"""Rule ``collection_frames``: one movie's ``frames.npy`` at the folder map's
common size (``collection.frame_width`` × ``collection.frame_height``), by area
averaging, a block of frames at a time; kept per movie."""


import numpy as np

from framescape.common import log, save_npy

# Frames resized at a time (bounded memory whatever the movie's length).
RESIZE_BLOCK = 64


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


def common_size(frames, width, height, block=RESIZE_BLOCK):
    """Frames resized to ``width × height`` by area averaging.

    Parameters
    ----------
    frames : (N, H, W, 3) uint8
        A memmap is read ``block`` frames at a time.
    width, height : int
        Pixels of the common size.
    block : int
        Frames resized at a time: float32 copies of them are held (0.9 MB a
        frame of 320×240).

    Returns
    -------
    (N, height, width, 3) uint8
        Each pixel the mean of the pixels it covers, rounded.
    """
    n, source_height, source_width, _ = frames.shape
    rows = area_weights(source_height, height).astype(np.float32)
    columns = area_weights(source_width, width).astype(np.float32)
    resized = np.empty((n, height, width, 3), np.uint8)
    for start in range(0, n, block):
        part = np.asarray(frames[start : start + block], np.float32)
        count = len(part)
        # Rows first, (h, H) @ (H, W·3) a frame; then columns, (w, W) @ (W, 3)
        # a row of the result: two small products, no large temporaries.
        tall = np.matmul(rows, part.reshape(count, source_height, -1))
        means = np.matmul(columns, tall.reshape(count, height, source_width, 3))
        resized[start : start + count] = np.clip(np.rint(means), 0, 255)
    return resized


def collection_frames_step(frames_npy, output, width, height):
    """Rule ``collection_frames``: one movie's frames at the common size."""
    frames = np.load(frames_npy, mmap_mode="r")
    resized = common_size(frames, width, height)
    save_npy(output, resized)
    log.info(
        "%d frames of %dx%d resized to %dx%d",
        len(frames),
        frames.shape[2],
        frames.shape[1],
        width,
        height,
    )
