"""Every frame's nearest frames without an (N, N) matrix: the neighbour graph.

The pairs are compared in tiles, as a long movie's matrix is (the same kernels,
the same bits), and each tile is merged into every frame's ``k`` best at once, so
memory holds one tile and ``N × k`` neighbours whatever the movie's length.
"""

import time
from pathlib import Path

import numpy as np

from framescape import kernels
from framescape.common import Progress, log, npy_shape, save_npy, save_npz
from framescape.distances import (
    TILES,
    block_luma,
    check_frames,
    hsl_band,
    hsl_features,
    load_movie_frames,
    log_tile,
    pixel_block,
    raw_distances,
    release_pages,
    squared_norms,
)
from framescape.resources import FRAME_BLOCK, HSL_BLOCK
from framescape.tiles import heatmap_cells, tile_count, tile_pairs, tile_range

# Frames per tile side: a multiple of the Gram squares (distances.GRAM_TILE),
# so every hsl product has the bits of the whole matrix's.
GRAPH_TILE = 2048


def tile_part(
    frames,
    metric,
    k,
    rows,
    columns,
    mask=None,
    norms=None,
    cell_frames=1,
    progress=None,
):
    """One tile's share of the neighbour graph and of the heatmap.

    Parameters
    ----------
    frames : (N, H, W, 3) uint8 (a memmap is read only in the tile's blocks)
    metric : "gray" or "hsl"
    k : int
        Neighbours kept per frame (at most N − 1).
    rows, columns : (start, stop)
        The tile's two blocks of frames (the same block: a diagonal tile).
    mask : (H, W) bool, optional
    norms : dict, optional
        hsl, off the diagonal: ``{"rows": (R,), "columns": (C,)}`` float64
        squared feature norms, the diagonals of the blocks' own tiles.
    cell_frames : int
        Frames per heatmap cell side (:func:`framescape.tiles.heatmap_cells`).
    progress : callable, optional

    Returns
    -------
    dict of arrays
        ``row_frames``/``row_distances`` ``(R, k)``: each row frame's ``k``
        nearest among the columns (``N`` and ``inf`` where fewer); off the
        diagonal also ``column_frames``/``column_distances`` ``(C, k)``;
        ``cell_sums``: the sums of the tile's distances over heatmap cells, and
        ``cell_origin``, the first cell's (row, column); ``norms`` on an hsl
        diagonal tile.
    """
    frames, _, n_pixels = check_frames(frames, mask)
    n = frames.shape[0]
    diagonal = rows == columns
    raw = TILES[metric](frames, rows, columns, mask, progress)
    part = {}
    if metric == "hsl":
        if diagonal:
            norms = {"rows": np.diagonal(raw).copy()}
            norms["columns"] = part["norms"] = norms["rows"]
        distances = raw_distances(
            metric, raw, norms["rows"], norms["columns"], n_pixels
        )
    else:
        distances = raw_distances(metric, raw, None, None, n_pixels)
    del raw
    distances = distances.astype(np.float32)
    if diagonal:
        distances = np.triu(distances, 1)
    sides = [("row", rows, distances, 1 if diagonal else 0)]
    if not diagonal:
        sides.append(("column", columns, np.ascontiguousarray(distances.T), 0))
    for side, (start, stop), block, which in sides:
        best_distances = np.full((n, k), np.inf, np.float32)
        best_frames = np.full((n, k), n, np.int32)
        other = columns[0] if side == "row" else rows[0]
        kernels.merge_nearest(best_distances, best_frames, block, start, other, which)
        if diagonal:  # the lower triangle is the upper one's mirror
            kernels.merge_nearest(
                best_distances,
                best_frames,
                np.ascontiguousarray(block.T),
                start,
                start,
                2,
            )
        part[f"{side}_frames"] = best_frames[start:stop]
        part[f"{side}_distances"] = best_distances[start:stop]
    sums = np.add.reduceat(
        np.add.reduceat(
            distances, cell_edges(rows, cell_frames), axis=0, dtype=np.float64
        ),
        cell_edges(columns, cell_frames),
        axis=1,
    )
    part["cell_sums"] = sums + sums.T if diagonal else sums
    part["cell_origin"] = np.array([rows[0] // cell_frames, columns[0] // cell_frames])
    return part


def cell_edges(frames, cell_frames):
    """Where heatmap cells start inside a block ``(start, stop)`` of frames,
    counted from its start (for ``np.add.reduceat``)."""
    start, stop = frames
    first = -(-start // cell_frames) * cell_frames
    return np.union1d([start], np.arange(first, stop, cell_frames)) - start


class NearestMerge:
    """Lists of neighbours put together: every frame's ``k`` nearest, sorted by
    (distance, frame number) as the dense ranking is.

    Attributes
    ----------
    frames : (N, k) int32
        ``N`` where nothing is known yet.
    distances : (N, k) float32
        ``inf`` where nothing is known yet.
    """

    def __init__(self, n, k):
        self.n = n
        self.distances = np.full((n, k), np.inf, np.float32)
        self.frames = np.full((n, k), n, np.int32)

    def add(self, part, rows, columns):
        """Merge one tile's lists (``row_frames``/``row_distances`` for the
        frames of block ``rows``, and ``column_…`` for ``columns`` if given)."""
        for side, (start, _) in (("row", rows), ("column", columns)):
            if f"{side}_frames" in part:
                kernels.merge_listed(
                    self.distances,
                    self.frames,
                    part[f"{side}_distances"],
                    part[f"{side}_frames"],
                    start,
                )


class GraphMerge(NearestMerge):
    """Tiles' parts (:func:`tile_part`) put together: every frame's ``k``
    nearest frames and the heatmap's block averages.

    Parameters
    ----------
    n : int
        Frames of the movie.
    k : int
    cell_frames : int
        Frames per heatmap cell side.
    """

    def __init__(self, n, k, cell_frames):
        super().__init__(n, k)
        cells = -(-n // cell_frames)
        self.cell_sums = np.zeros((cells, cells))
        sizes = np.diff(np.append(np.arange(0, n, cell_frames), n))
        self.cell_pairs = np.outer(sizes, sizes).astype(np.float64)

    def add(self, part, rows, columns):
        """Merge one tile's part; ``rows`` and ``columns`` are its blocks."""
        super().add(part, rows, columns)
        sums = part["cell_sums"]
        top, left = part["cell_origin"]
        self.cell_sums[top : top + sums.shape[0], left : left + sums.shape[1]] += sums
        if rows != columns:
            self.cell_sums[left : left + sums.shape[1], top : top + sums.shape[0]] += (
                sums.T
            )

    def heatmap(self):
        """``(cells, cells) float32``: the mean distance of the frame pairs of
        each cell (itself and its own frame included, as the matrix has them)."""
        return (self.cell_sums / self.cell_pairs).astype(np.float32)


def neighbour_graph(
    frames, metric, k, mask=None, tile_frames=GRAPH_TILE, progress=None, cells=None
):
    """The ``k`` frames nearest to each frame (itself excluded), exactly.

    The same neighbours, in the same order, as ranking the rows of the whole
    distance matrix (:func:`distances.nearest_frames`), and the same distances:
    the tiles of the workflow's jobs, in one process.

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
    cells : int, optional
        Heatmap cells per side at most (:data:`framescape.tiles.HEATMAP_CELLS`).

    Returns
    -------
    indices : (N, min(k, N − 1)) int32
        Nearest first; equal distances in frame order.
    distances : (N, min(k, N − 1)) float32
        Their distances under ``metric``.
    heatmap : (M, M) float32
        Block averages of the distances (:meth:`GraphMerge.heatmap`).
    """
    frames, _, _ = check_frames(frames, mask)
    n = frames.shape[0]
    k = max(0, min(k, n - 1))
    cell_frames, _ = heatmap_cells(n, *([cells] if cells else []))
    merged = GraphMerge(n, k, cell_frames)
    pairs = tile_pairs(tile_count(n, tile_frames))
    # Diagonal tiles first: their diagonals are the hsl norms the others need.
    pairs.sort(key=lambda pair: pair[0] != pair[1])
    norms = {}
    for done, (row, column) in enumerate(pairs, 1):
        rows, columns = (tile_range(index, n, tile_frames) for index in (row, column))
        given = (
            None
            if row == column
            else {"rows": norms.get(row), "columns": norms.get(column)}
        )
        part = tile_part(frames, metric, k, rows, columns, mask, given, cell_frames)
        if "norms" in part:
            norms[row] = part["norms"]
        merged.add(part, rows, columns)
        if progress:
            progress(done, len(pairs), "tiles")
    return merged.frames, merged.distances, merged.heatmap()


def distances_to(frames, metric, chosen, mask=None, column_frames=None):
    """Distances from a few frames to every frame: ``(L, N) float32``, the rows
    ``chosen`` of the whole matrix without the matrix (landmark MDS needs them).

    gray's sums are exact, so its rows equal the matrix's; hsl's Gram products
    are grouped differently, so its rows agree within float32 rounding. The
    frames are read ``column_frames`` at a time, and a memmap's pages are given
    back after each block: memory holds the chosen frames' features (hsl: 16
    bytes a pixel each) and one block, whatever the movie's length.

    Parameters
    ----------
    frames : (N, H, W, 3) uint8
    metric : "gray" or "hsl"
    chosen : (L,) int
        Frame numbers.
    mask : (H, W) bool, optional
    column_frames : int, optional
        Frames compared at a time: by default :data:`GRAPH_TILE` for gray (a
        byte a pixel each) and :data:`FRAME_BLOCK` for hsl (their features, 16
        bytes a pixel each, are held at once: 315 MB at 320×240).
    """
    frames, kept, n_pixels = check_frames(frames, mask)
    n = frames.shape[0]
    chosen = np.asarray(chosen, np.intp)
    if column_frames is None:
        column_frames = GRAPH_TILE if metric == "gray" else FRAME_BLOCK
    rows = np.empty((len(chosen), n), np.float32)
    if metric == "gray":
        chosen_luma = kernels.padded_rows(
            kernels.bt601_luma(pixel_block(frames, kept, chosen)), kernels.SIMD_BYTES
        )
    else:
        chosen_features = hsl_features(pixel_block(frames, kept, chosen))
        chosen_norms = squared_norms(chosen_features)
    for start in range(0, n, column_frames):
        stop = min(start + column_frames, n)
        if metric == "gray":
            sums = kernels.sad_tile(
                chosen_luma, block_luma(frames, kept, n_pixels, (start, stop))
            )
            rows[:, start:stop] = sums / n_pixels
        else:
            features = hsl_features(pixel_block(frames, kept, slice(start, stop)))
            gram = np.zeros((len(chosen), stop - start))
            for first in range(0, features.shape[1], 4 * HSL_BLOCK):
                block = slice(first, first + 4 * HSL_BLOCK)
                gram += chosen_features[:, block] @ features[:, block].T
            rows[:, start:stop] = hsl_band(
                gram, chosen_norms, squared_norms(features), n_pixels
            )
        release_pages(frames)
    rows[np.arange(len(chosen)), chosen] = 0.0
    return rows


def tile_step(
    frames_npy,
    diagonal_parts,
    output,
    movie,
    metric,
    row,
    column,
    k,
    mask,
    tile_frames,
    threads,
):
    """Rule ``graph_tile``: one tile's part (:func:`tile_part`) of a long movie's
    neighbour graph. An hsl tile off the diagonal reads its blocks' norms from
    the two diagonal tiles' parts, ``diagonal_parts`` (rows', then columns')."""
    frames, mask = load_movie_frames(frames_npy, mask, movie, threads)
    n = len(frames)
    rows, columns = (tile_range(int(index), n, tile_frames) for index in (row, column))
    norms = None
    if diagonal_parts:
        norms = {}
        for side, path in zip(("rows", "columns"), diagonal_parts):
            with np.load(path) as part:
                norms[side] = part["norms"]
    started = time.monotonic()
    progress = Progress(f"{metric} graph tile {row}_{column} of {movie}")
    part = tile_part(
        frames, metric, k, rows, columns, mask, norms, heatmap_cells(n)[0], progress
    )
    log_tile(f"{metric} graph tile ({k} nearest each)", rows, columns, n, started)
    save_npz(output, **part)


def graph_step(frames_npy, parts, outputs, movie, metric, k, tile_frames):
    """Rule ``neighbour_graph``: the tiles' parts put together, the movie's
    ``graph/<metric>.npz`` (``indices``, ``distances``) and the heatmap's block
    averages, ``graph/<metric>_heatmap.npy``."""
    n = npy_shape(frames_npy)[0]
    k = max(0, min(k, n - 1))
    merged = GraphMerge(n, k, heatmap_cells(n)[0])
    progress = Progress(f"{metric} neighbour graph of {movie}")
    for done, path in enumerate(parts, 1):
        row, column = (int(index) for index in Path(path).stem.split("_")[-2:])
        with np.load(path) as part:
            merged.add(
                part,
                tile_range(row, n, tile_frames),
                tile_range(column, n, tile_frames),
            )
        progress(done, len(parts), "tiles")
    if (merged.frames == n).any():
        raise ValueError(f"tiles {parts} leave frames without {k} neighbours")
    save_npz(outputs.graph, indices=merged.frames, distances=merged.distances)
    save_npy(outputs.heatmap, merged.heatmap())
    log.info(
        "%s neighbour graph of %d frames from %d tiles: %d nearest each, "
        "nearest distance median %.4g, %d-th %.4g",
        metric,
        n,
        len(parts),
        k,
        float(np.median(merged.distances[:, 0])) if k else 0.0,
        k,
        float(np.median(merged.distances[:, -1])) if k else 0.0,
    )
