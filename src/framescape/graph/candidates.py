"""Pass 2 of the neighbour graph: every pair of reduced frames compared, a tile of
pairs at a time (:func:`candidate_part`), and each frame's ``c`` nearest by
reduced distance, its candidates, put together across tiles
(:class:`NearestMerge`, :func:`candidate_pass`), with the heatmap's block
averages of the reduced distances. A reduced distance, lowered by its frames'
slack, bounds the full-size one from below (:func:`lower_bounds`)."""



import numba
import numpy as np

from framescape.distances import kernels, nearest_kernels, products
from framescape.distances.tiles import CellSums, tile_count, tile_pairs, tile_range
from framescape.graph.parameters import CANDIDATE_TILE
from framescape.graph.reduce import REDUCED_MARGIN


def frame_index(side):
    """A block ``(start, stop)`` as a slice; frame numbers as they are."""
    return slice(*side) if isinstance(side, tuple) else np.asarray(side)


def reduced_tile(reduced, metric, rows, columns, upper=False):
    """``(R, C) float32`` reduced distances between two sets of frames (not
    yet lowered by the slack: see :func:`lower_bounds`).

    ``rows`` and ``columns`` are blocks ``(start, stop)`` or frame numbers.
    With ``upper`` (the same block twice) only the elements above the
    diagonal are meant, for about half the work: gray fills only those (the
    rest 0), hsl those and some on and below the diagonal.
    """
    descriptors = reduced["descriptors"]
    rows, columns = frame_index(rows), frame_index(columns)
    row_block, column_block = descriptors[rows], descriptors[columns]
    if metric == "gray":
        sums = kernels.sad_tile(row_block, column_block, upper=upper)
        # Into float32 directly: no float64 copy of the tile.
        out = np.empty(sums.shape, np.float32)
        return np.multiply(sums, float(reduced["scale"]), out=out, casting="unsafe")
    # Not BLAS: its sums may depend on the threads (distances/products.py).
    distances = np.zeros((len(row_block), len(column_block)), np.float32)
    products.add_products(row_block, column_block, distances, upper)
    distances *= -2.0
    distances += reduced["norms"][rows, None].astype(np.float32)
    distances += reduced["norms"][None, columns].astype(np.float32)
    return np.maximum(distances, 0.0, out=distances)


def lower_bounds(tile, reduced, rows, columns):
    """``(R, C) float32``: what the full-size distances of a tile of
    :func:`reduced_tile` are at least."""
    slack = reduced["slack"]
    bounds = tile * np.float32(1 - REDUCED_MARGIN)
    bounds -= slack[frame_index(rows), None].astype(np.float32)
    bounds -= slack[None, frame_index(columns)].astype(np.float32)
    return bounds


@numba.njit(cache=True)
def kth_smallest(values, k):
    """The ``k``-th smallest (from 0) of ``values``, which it reorders: a
    quickselect with median-of-three pivots. Numba's ``np.partition`` gives the
    same value but takes seconds to compile for every install."""
    low, high = 0, len(values) - 1
    while low < high:
        middle = (low + high) // 2
        if values[middle] < values[low]:
            values[middle], values[low] = values[low], values[middle]
        if values[high] < values[low]:
            values[high], values[low] = values[low], values[high]
        if values[high] < values[middle]:
            values[high], values[middle] = values[middle], values[high]
        pivot = values[middle]
        i, j = low, high
        while i <= j:
            while values[i] < pivot:
                i += 1
            while values[j] > pivot:
                j -= 1
            if i <= j:
                values[i], values[j] = values[j], values[i]
                i += 1
                j -= 1
        # [low, j] holds values <= pivot, [i, high] values >= pivot, and
        # whatever lies between equals the pivot.
        if k <= j:
            high = j
        elif k >= i:
            low = i
        else:
            return values[k]
    return values[k]


def nearest_in_rows(tile, c, column_start, n, bounds=None):
    """Each row's ``c`` smallest elements of a tile, by (distance, column):
    ``(R, c) int32`` frame numbers (``column_start`` + column; ``n`` where
    fewer) and ``(R, c) float32`` distances (``inf``). ``inf`` elements are
    never chosen, nor elements above the row's ``bounds`` ``(R,)`` (the
    ``c``-th distance a row already has: they could not join its list). A
    selection, then a sort of ``c``: no insertion per element.
    """
    if bounds is None:
        bounds = np.full(len(tile), np.inf, np.float32)
    # One type of every argument: numba compiles the kernel once (each
    # further signature costs seconds on a fresh install).
    return _nearest_in_rows(
        np.ascontiguousarray(tile, np.float32),
        int(c),
        int(column_start),
        int(n),
        np.ascontiguousarray(bounds, np.float32),
    )


@numba.njit(cache=True, parallel=True)
def _nearest_in_rows(tile, c, column_start, n, bounds):
    n_rows, n_columns = tile.shape
    frames = np.full((n_rows, c), n, np.int32)
    distances = np.full((n_rows, c), np.inf, np.float32)
    if c == 0:
        return frames, distances
    for r in numba.prange(n_rows):
        row = tile[r]
        bound = bounds[r]
        chosen = np.empty(n_columns, np.int64)
        count = 0
        for j in range(n_columns):
            if row[j] <= bound and row[j] < np.inf:
                chosen[count] = j
                count += 1
        values = row[chosen[:count]]
        if count > c:
            limit = kth_smallest(values.copy(), c - 1)
            # Those below the c-th, then those equal to it in column order.
            kept = np.empty(c, np.int64)
            taken = 0
            for position in range(count):
                if values[position] < limit:
                    kept[taken] = chosen[position]
                    taken += 1
            for position in range(count):
                if taken == c:
                    break
                if values[position] == limit:
                    kept[taken] = chosen[position]
                    taken += 1
            chosen, count = kept, taken
            values = row[chosen[:count]]
        order = np.argsort(values, kind="mergesort")
        for position in range(count):
            frames[r, position] = column_start + chosen[order[position]]
            distances[r, position] = values[order[position]]
    return frames, distances


def candidate_part(reduced, metric, c, rows, columns, heatmap=None, bounds=None):
    """One tile's share of the candidates: each side's ``c`` nearest by reduced
    distance within the tile.

    Parameters
    ----------
    reduced : dict
        :func:`~framescape.graph.reduce.reduced_descriptors` (only the tile's
        blocks are read).
    metric : "gray" or "hsl"
    c : int
        Candidates kept per frame (at most N − 1).
    rows, columns : (start, stop)
        The tile's two blocks of frames (the same block: a diagonal tile).
    heatmap : framescape.distances.tiles.CellSums, optional
        Gains the tile's reduced distances.
    bounds : ((R,), (C,)) float32, optional
        The ``c``-th distance each row's and each column's frame already has:
        farther elements are not listed (:func:`nearest_in_rows`).

    Returns
    -------
    dict of arrays
        ``row_frames`` ``(R, c) int32``, ``row_distances`` ``(R, c) float32``
        (reduced distances, nearest first, equal ones in frame order; ``N`` and
        ``inf`` where fewer), off the diagonal also
        ``column_frames``/``column_distances`` ``(C, c)``. Memory: the tile
        (gray 12 bytes a pair, hsl 8), its transpose off the diagonal.
    """
    n = len(reduced["descriptors"])
    diagonal = rows == columns
    tile = reduced_tile(reduced, metric, rows, columns, upper=diagonal)
    part = {}
    if diagonal:
        kernels.mirror_upper(tile)
    if heatmap is not None:
        heatmap.add(tile, rows, columns)
    if diagonal:
        np.fill_diagonal(tile, np.inf)
    row_bounds, column_bounds = bounds or (None, None)
    part["row_frames"], part["row_distances"] = nearest_in_rows(
        tile, c, columns[0], n, row_bounds
    )
    if not diagonal:
        part["column_frames"], part["column_distances"] = nearest_in_rows(
            kernels.transposed(tile), c, rows[0], n, column_bounds
        )
    return part


class NearestMerge:
    """Lists of neighbours put together: every frame's ``k`` nearest, sorted by
    (distance, frame number) as the dense ranking is (``rows`` rows, by
    default all ``n`` frames').

    Attributes
    ----------
    frames : (N, k) int32
        ``N`` where nothing is known yet.
    distances : (N, k) float32
        ``inf`` where nothing is known yet.
    """

    def __init__(self, n, k, rows=None):
        self.n = n
        rows = n if rows is None else rows
        self.distances = np.full((rows, k), np.inf, np.float32)
        self.frames = np.full((rows, k), n, np.int32)

    def add(self, part, rows, columns):
        """Merge one tile's lists (``row_frames``/``row_distances`` for the
        frames of block ``rows``, and ``column_…`` for ``columns`` if given)."""
        for side, (start, _) in (("row", rows), ("column", columns)):
            if f"{side}_frames" in part:
                nearest_kernels.merge_sorted(
                    self.distances,
                    self.frames,
                    part[f"{side}_distances"],
                    part[f"{side}_frames"],
                    start,
                    self.n,
                )


def candidate_pass(
    reduced, metric, c, tile_frames=CANDIDATE_TILE, cell_frames=None, progress=None
):
    """Every frame's ``c`` candidates: :func:`candidate_part` of every tile,
    merged.

    Returns
    -------
    merged : NearestMerge
        ``frames`` and reduced ``distances`` ``(N, c)``.
    heatmap : framescape.distances.tiles.CellSums or None
        The reduced distances' block averages over cells of ``cell_frames``
        frames a side (when given).
    """
    n = len(reduced["descriptors"])
    merged = NearestMerge(n, c)
    heatmap = CellSums(n, cell_frames) if cell_frames else None
    pairs = tile_pairs(tile_count(n, tile_frames))
    for done, (row, column) in enumerate(pairs, 1):
        rows, columns = (tile_range(index, n, tile_frames) for index in (row, column))
        # What a frame already has bounds what a tile can add to it.
        bounds = None
        if c:
            bounds = tuple(
                merged.distances[slice(*side), -1] for side in (rows, columns)
            )
        part = candidate_part(reduced, metric, c, rows, columns, heatmap, bounds)
        merged.add(part, rows, columns)
        if progress:
            progress(done, len(pairs), "tiles")
    return merged, heatmap
