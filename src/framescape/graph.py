"""Every frame's nearest frames without an (N, N) matrix: the neighbour graph.

The pairs are compared in tiles, as a long movie's matrix is (the same kernels,
the same bits), and each tile is merged into every frame's ``k`` best at once, so
memory holds one tile and ``N × k`` neighbours whatever the movie's length.
"""

import numpy as np

from framescape import kernels
from framescape.distances import (
    TILES,
    block_luma,
    check_frames,
    hsl_band,
    hsl_block_pixels,
    pixel_block,
    raw_distances,
)
from framescape.tiles import tile_count, tile_pairs, tile_range

# Frames per tile side: a multiple of the Gram squares (distances.GRAM_TILE),
# so every hsl product has the bits of the whole matrix's.
GRAPH_TILE = 2048


def neighbour_graph(
    frames, metric, k, mask=None, tile_frames=GRAPH_TILE, progress=None
):
    """The ``k`` frames nearest to each frame (itself excluded), exactly.

    The same neighbours, in the same order, as ranking the rows of the whole
    distance matrix (:func:`distances.nearest_frames`), and the same distances.

    Parameters
    ----------
    frames : (N, H, W, 3) uint8 (a memmap is read a tile at a time)
    metric : "gray" or "hsl"
    k : int
        Clamped to N − 1.
    mask : (H, W) bool, optional
    tile_frames : int
        Frames per tile side (a multiple of 512 for hsl).
    progress : callable, optional
        ``progress(tiles done, tiles, "tiles")`` after each tile.

    Returns
    -------
    indices : (N, min(k, N − 1)) int32
        Nearest first; equal distances in frame order.
    distances : (N, min(k, N − 1)) float32
        Their distances under ``metric``.
    """
    frames, _, n_pixels = check_frames(frames, mask)
    n = frames.shape[0]
    k = max(0, min(k, n - 1))
    best_distances = np.full((n, k), np.inf, np.float32)
    best_frames = np.full((n, k), n, np.int32)
    if k == 0:
        return best_frames, best_distances
    count = tile_count(n, tile_frames)
    pairs = tile_pairs(count)
    # Diagonal tiles first: their diagonals are the hsl norms the others need.
    pairs.sort(key=lambda pair: pair[0] != pair[1])
    norms = np.zeros(n)
    for done, (row, column) in enumerate(pairs, 1):
        rows, columns = (tile_range(index, n, tile_frames) for index in (row, column))
        raw = TILES[metric](frames, rows, columns, mask)
        if row == column:
            norms[slice(*rows)] = np.diagonal(raw)
        distances = raw_distances(
            metric, raw, norms[slice(*rows)], norms[slice(*columns)], n_pixels
        ).astype(np.float32)
        part = 1 if row == column else 0
        kernels.merge_nearest(
            best_distances, best_frames, distances, rows[0], columns[0], part
        )
        kernels.merge_nearest(
            best_distances,
            best_frames,
            np.ascontiguousarray(distances.T),
            columns[0],
            rows[0],
            2 if row == column else 0,
        )
        if progress:
            progress(done, len(pairs), "tiles")
    return best_frames, best_distances


def distances_to(frames, metric, chosen, mask=None, column_frames=GRAPH_TILE):
    """Distances from a few frames to every frame: ``(L, N) float32``, the rows
    ``chosen`` of the whole matrix without the matrix (landmark MDS needs them).

    gray's sums are exact, so its rows equal the matrix's; hsl's Gram products
    are grouped differently, so its rows agree within float32 rounding.

    Parameters
    ----------
    frames : (N, H, W, 3) uint8
    metric : "gray" or "hsl"
    chosen : (L,) int
        Frame numbers.
    mask : (H, W) bool, optional
    column_frames : int
        Frames compared at a time.
    """
    frames, kept, n_pixels = check_frames(frames, mask)
    n = frames.shape[0]
    chosen = np.asarray(chosen, np.intp)
    rows = np.empty((len(chosen), n), np.float32)
    if metric == "gray":
        chosen_luma = chosen_frames_luma(frames, kept, chosen)
        for start in range(0, n, column_frames):
            stop = min(start + column_frames, n)
            sums = kernels.sad_tile(
                chosen_luma, block_luma(frames, kept, n_pixels, (start, stop))
            )
            rows[:, start:stop] = sums / n_pixels
    else:
        gram, norms = hsl_products(frames, kept, n_pixels, chosen)
        rows[:] = hsl_band(gram, norms[chosen], norms, n_pixels)
    rows[np.arange(len(chosen)), chosen] = 0.0
    return rows


def chosen_frames_luma(frames, kept, chosen):
    """``(L, P') uint8`` luma of the ``chosen`` frames, padded for the SAD kernel
    once rather than at every call."""
    luma = kernels.bt601_luma(pixel_block(frames, kept, chosen))
    return kernels.padded_rows(luma, kernels.SIMD_BYTES)


def hsl_products(frames, kept, n_pixels, chosen):
    """``(L, N) float64`` Gram products of the ``chosen`` frames' hsl features with
    every frame's, and every frame's squared norm ``(N,) float64``; a block of
    pixels at a time (float32 products, float64 sums)."""
    n = frames.shape[0]
    block_pixels = hsl_block_pixels(n, n_pixels)
    gram = np.zeros((len(chosen), n))
    norms = np.zeros(n)
    features = np.empty((n, 4 * block_pixels), np.float32)
    for start in range(0, n_pixels, block_pixels):
        pixels = pixel_block(
            frames, kept, slice(None), slice(start, start + block_pixels)
        )
        block = features[:, : 4 * pixels.shape[1]]
        kernels.hls_features(pixels, block)
        gram += block[chosen] @ block.T
        norms += np.einsum("ij,ij->i", block, block, dtype=np.float64)
    return gram, norms
