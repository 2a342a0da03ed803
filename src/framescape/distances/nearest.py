"""Distances without the matrix and each frame's nearest frames:
:func:`distances_to` compares a few frames with others (landmark MDS, the
neighbour graph's re-rank and its sample), :func:`nearest_frames` ranks a
matrix's rows into each frame's ``k`` nearest (the viewer's)."""



import numpy as np

from framescape.distances import kernels, products
from framescape.distances.matrices import (
    check_frames,
    hsl_band,
    hsl_features,
    luma_rows,
    pixel_block,
    release_pages,
    squared_norms,
)
from framescape.distances.parameters import FRAME_BLOCK

# Rows of a distance matrix read at a time when ranking neighbours.
NEAREST_BLOCK = 512


def distances_to(
    frames, metric, chosen, mask=None, column_frames=None, columns=None, progress=None
):
    """Distances from a few frames to others: ``(L, C) float32``, the elements
    ``[chosen][:, columns]`` of the whole matrix without the matrix (landmark
    MDS and the neighbour graph's re-rank need them).

    gray's sums are exact, so its elements equal the matrix's; hsl's Gram
    products are grouped differently, so its elements agree within float32
    rounding, and each depends on its two frames alone, not on the others
    compared in the same call nor on the threads (see
    :func:`~framescape.distances.products.add_products`). The other frames
    are read ``column_frames`` at a time, and a memmap's pages are given back
    after each block: memory holds the chosen frames' features (hsl: 16 bytes
    a pixel each) and one block, whatever the movie's length.

    Parameters
    ----------
    frames : (N, H, W, 3) uint8
    metric : "gray" or "hsl"
    chosen : (L,) int
        Frame numbers.
    mask : (H, W) bool, optional
    column_frames : int, optional
        Frames compared at a time: by default 2,048 for gray (a byte a pixel
        each) and :data:`FRAME_BLOCK` for hsl (their features, 16 bytes a pixel
        each, are held at once: 315 MB at 320×240).
    columns : (C,) int, optional
        Frame numbers to compare with; by default every frame (and then each
        chosen frame's distance to itself is 0).
    progress : callable, optional
        ``progress(frames compared, C, "frames")`` after each block.
    """
    frames, kept, n_pixels = check_frames(frames, mask)
    n = frames.shape[0]
    chosen = np.asarray(chosen, np.intp)
    others = np.arange(n) if columns is None else np.asarray(columns, np.intp)
    if column_frames is None:
        column_frames = 2048 if metric == "gray" else FRAME_BLOCK
    rows = np.empty((len(chosen), len(others)), np.float32)
    if metric == "gray":
        chosen_luma = luma_rows(frames, kept, chosen)
    else:
        chosen_features = hsl_features(pixel_block(frames, kept, chosen))
        chosen_norms = squared_norms(chosen_features)
        # One buffer for every block: fresh pages for each would be faulted in.
        buffer = np.empty((min(column_frames, len(others)), 4 * n_pixels), np.float32)
    for start in range(0, len(others), column_frames):
        block = slice(start, start + column_frames)
        if metric == "gray":
            sums = kernels.sad_tile(chosen_luma, luma_rows(frames, kept, others[block]))
            rows[:, block] = sums / n_pixels
        else:
            pixels = pixel_block(frames, kept, others[block])
            features = buffer[: len(pixels)]
            kernels.hls_features(pixels, features)
            gram = np.zeros((len(chosen), features.shape[0]))
            products.add_products(chosen_features, features, gram)
            rows[:, block] = hsl_band(
                gram, chosen_norms, squared_norms(features), n_pixels
            )
        release_pages(frames)
        if progress:
            progress(min(start + column_frames, len(others)), len(others), "frames")
    if columns is None:
        rows[np.arange(len(chosen)), chosen] = 0.0
    return rows


def nearest_frames(distances, k, rows=None):
    """The ``k`` frames nearest to each frame, itself excluded.

    Parameters
    ----------
    distances : (R, N) array (a memmap is read a block of rows at a time)
        The whole matrix, or some frames' rows of it.
    k : int
        Clamped to N − 1.
    rows : (R,) int, optional
        The frames whose rows these are (by default all N, in order).

    Returns
    -------
    (R, min(k, N − 1)) int32
        Nearest first; equal distances in frame order.
    """
    n = distances.shape[1]
    frames = np.arange(len(distances)) if rows is None else np.asarray(rows)
    k = max(0, min(k, n - 1))
    nearest = np.empty((len(distances), k), np.int32)
    if k == 0:
        return nearest
    for start in range(0, len(distances), NEAREST_BLOCK):
        block = np.array(distances[start : start + NEAREST_BLOCK], np.float64)
        block[np.arange(len(block)), frames[start : start + len(block)]] = np.inf
        kth = np.partition(block, k - 1, axis=1)[:, k - 1]
        for offset, (row, limit) in enumerate(zip(block, kth)):
            candidates = np.flatnonzero(row <= limit)
            order = np.argsort(row[candidates], kind="stable")[:k]
            nearest[start + offset] = candidates[order]
    return nearest
