"""Every frame's nearest frames from candidates: all pairs compared at a reduced
size, then each frame's few best re-ranked at full size, exactly.

Averaging frames over ``f × f`` pixel blocks can only bring two frames closer,
under both metrics (Jensen's inequality: |·| and ‖·‖² are convex, so the mean of
a block's differences is at least the difference of the block's means). So the
reduced distance of a pair is a lower bound of its full-size distance:

- gray: ``Σ_pixels |a − b| / P ≥ f² Σ_blocks |ā − b̄| / P`` (luma, blocks wholly
  inside the mask; the block means are rounded to bytes, and each frame's
  rounding error, its ``slack``, is taken off the bound again);
- hsl: ``Σ_pixels ‖φ_a − φ_b‖² / P ≥ f² Σ_blocks ‖φ̄_a − φ̄_b‖² / P`` with the
  features φ of :func:`framescape.kernels.hls_features`.

Three passes, each split into jobs like the neighbour graph's tiles:

1. :func:`reduced_descriptors`: one pass over the frames, a block at a time.
2. :func:`candidate_part` per tile of the reduced pairs, put together by
   :class:`NearestMerge` (:func:`candidate_pass`): every frame's nearest by
   reduced distance. How many of them a frame needs depends on the footage:
   :func:`choose_candidates` compares a few frames spread over the movie with
   every frame at full size and keeps the fewest, ``c``, that hold
   :data:`RECALL_TARGET` of their true nearest.
3. :func:`rerank` per group of frames whose candidates overlap
   (:func:`group_rows`): their candidates' exact full-size distances, each
   frame's ``k`` nearest among them, ordered by (distance, frame number) as
   the dense ranking is.

A frame whose ``c``-th reduced bound exceeds its ``k``-th exact distance has
its true ``k`` nearest (:func:`certified`). For the others a second reduced
pass, their rows only (:func:`completion_part`),
finds the frames whose bound does not exceed that distance (up to ``c`` more),
and :func:`rerank` of those completes the graph (:func:`second_pass`): then it
is the exact neighbour graph, but for frames with more than ``c`` such frames
(counted: a long still shot with noise). :func:`candidate_graph` runs it all in one
process; the workflow splits it into jobs (:mod:`framescape.graph`).
"""

import time

import numba
import numpy as np

from framescape import kernels
from framescape.distances import (
    check_frames,
    compute_distances,
    distances_to,
    hsl_features,
    nearest_frames,
    pixel_block,
    release_pages,
    squared_norms,
)
from framescape.resources import (
    CANDIDATE_TILE,
    COMPLETE,
    FRAME_BLOCK,
    RECALL_SAMPLE,
    RECALL_TARGET,
    RERANK_ROWS,
    SECOND_PASS_MAX_SHARE,
    candidate_count,
    candidate_limit,
    reduce_factor,
)
from framescape.tiles import CellSums, tile_count, tile_pairs, tile_range

# Reduced distances are summed in float32: a bound is lowered by this share of
# itself before it is compared with an exact distance.
REDUCED_MARGIN = 1e-5
# hsl: float32 rounding of the reduced and of the full-size Gram products, per
# frame, as a share of the largest squared feature norm (1 + 1 + 1/4): about 170
# float32 units, several times what any pair of real frames was seen to need
# (tests/test_candidates.py).
HSL_ROUNDING = 1e-5
HSL_LARGEST_NORM = 2.25


def kept_blocks(shape, mask, factor):
    """``(H/f, W/f) bool``: the ``factor × factor`` blocks wholly inside the
    frame and the mask (a block with a masked-out pixel is left out, which only
    lowers the bound)."""
    height, width = shape
    rows, columns = height // factor, width // factor
    if mask is None:
        return np.ones((rows, columns), bool)
    inside = np.asarray(mask, bool)[: rows * factor, : columns * factor]
    return inside.reshape(rows, factor, columns, factor).all(axis=(1, 3))


@numba.njit(cache=True, parallel=True)
def block_sums(planes, factor):
    """``(n, C, H/f, W/f) float64`` sums of ``(n, C, H, W)`` planes over
    ``factor × factor`` blocks (a partial block at the edges is left out)."""
    n, channels, height, width = planes.shape
    rows, columns = height // factor, width // factor
    sums = np.zeros((n, channels, rows, columns))
    for i in numba.prange(n):
        for channel in range(channels):
            for y in range(rows * factor):
                for column in range(columns):
                    total = 0.0
                    for x in range(column * factor, (column + 1) * factor):
                        total += planes[i, channel, y, x]
                    sums[i, channel, y // factor, column] += total
    return sums


def block_means(planes, factor, blocks):
    """``(n, C, B) float64`` means of ``(n, C, H, W)`` planes over the kept
    ``factor × factor`` blocks."""
    return block_sums(planes, factor)[:, :, blocks] / factor**2


def reduced_descriptors(
    frames, metric, factor=None, mask=None, frame_block=FRAME_BLOCK, progress=None
):
    """Every frame averaged over ``factor × factor`` pixel blocks: what the
    candidate pass compares.

    Parameters
    ----------
    frames : (N, H, W, 3) uint8 (a memmap is read ``frame_block`` at a time)
    metric : "gray" or "hsl"
    factor : int, optional
        Pixels per block side (by default :func:`reduce_factor` of the frame
        size); halved until a block lies wholly inside the mask.
    mask : (H, W) bool, optional
    frame_block : int
    progress : callable, optional
        ``progress(frames done, N, "frames")``.

    Returns
    -------
    dict of arrays
        ``descriptors``: gray ``(N, B') uint8``, the block means rounded (zero
        columns up to :data:`kernels.SIMD_BYTES`); hsl ``(N, 4B) float32``, the
        block means of the features times ``f / √P``. ``slack`` ``(N,)``
        float64: what each frame takes off the bound, in the metric's units.
        gray also ``scale`` (0-d, ``f² / P``: the sum of absolute byte
        differences times it is the reduced distance); hsl ``norms`` ``(N,)``
        float64, the descriptors' squared norms.
        Memory: gray B' bytes a frame (4,800 at f = 4 for 320×240: 240 MB for
        50,000 frames), hsl 16 B bytes (19 KB at f = 8: 960 MB).
    """
    frames, _, n_pixels = check_frames(frames, mask)
    n, height, width = frames.shape[:3]
    factor = factor or reduce_factor(metric, width, height)
    blocks = kept_blocks((height, width), mask, factor)
    # A mask that leaves no whole block (stripes, a frame smaller than a
    # block) takes smaller blocks: one pixel always lies inside it.
    while not blocks.any() and factor > 1:
        factor //= 2
        blocks = kept_blocks((height, width), mask, factor)
    count = int(blocks.sum())
    scale = factor**2 / n_pixels
    slack = np.zeros(n)
    if metric == "gray":
        width_bytes = -(-count // kernels.SIMD_BYTES) * kernels.SIMD_BYTES
        descriptors = np.zeros((n, width_bytes), np.uint8)
    else:
        descriptors = np.empty((n, 4 * count), np.float32)
    for start in range(0, n, frame_block):
        stop = min(start + frame_block, n)
        pixels = pixel_block(frames, None, slice(start, stop))
        if metric == "gray":
            luma = kernels.bt601_luma(pixels).reshape(-1, 1, height, width)
            means = block_means(luma, factor, blocks)[:, 0]
            rounded = np.rint(means)
            descriptors[start:stop, :count] = rounded
            slack[start:stop] = scale * np.abs(means - rounded).sum(axis=1)
        else:
            planes = hsl_features(pixels).reshape(-1, 4, height, width)
            means = block_means(planes, factor, blocks) * np.sqrt(scale)
            descriptors[start:stop] = means.reshape(stop - start, -1)
        release_pages(frames)
        if progress:
            progress(stop, n, "frames")
    reduced = {"descriptors": descriptors, "slack": slack}
    if metric == "gray":
        reduced["scale"] = np.array(scale)
    else:
        reduced["norms"] = squared_norms(descriptors)
        slack[:] = HSL_ROUNDING * HSL_LARGEST_NORM
    return reduced


def frame_index(side):
    """A block ``(start, stop)`` as a slice; frame numbers as they are."""
    return slice(*side) if isinstance(side, tuple) else np.asarray(side)


def reduced_tile(reduced, metric, rows, columns, upper=False):
    """``(R, C) float32`` reduced distances between two sets of frames (not
    yet lowered by the slack: see :func:`lower_bounds`).

    ``rows`` and ``columns`` are blocks ``(start, stop)`` or frame numbers.
    With ``upper`` (the same block twice) gray fills only ``j > i`` (about half
    the work), the rest 0.
    """
    descriptors = reduced["descriptors"]
    rows, columns = frame_index(rows), frame_index(columns)
    row_block, column_block = descriptors[rows], descriptors[columns]
    if metric == "gray":
        sums = kernels.sad_tile(row_block, column_block, upper=upper)
        # Into float32 directly: no float64 copy of the tile.
        out = np.empty(sums.shape, np.float32)
        return np.multiply(sums, float(reduced["scale"]), out=out, casting="unsafe")
    distances = row_block @ column_block.T
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


@numba.njit(cache=True, parallel=True)
def nearest_in_rows(tile, c, column_start, n, bounds=None):
    """Each row's ``c`` smallest elements of a tile, by (distance, column):
    ``(R, c) int32`` frame numbers (``column_start`` + column; ``n`` where
    fewer) and ``(R, c) float32`` distances (``inf``). ``inf`` elements are
    never chosen, nor elements above the row's ``bounds`` ``(R,)`` (the
    ``c``-th distance a row already has: they could not join its list). A
    selection, then a sort of ``c``: no insertion per element.
    """
    n_rows, n_columns = tile.shape
    frames = np.full((n_rows, c), n, np.int32)
    distances = np.full((n_rows, c), np.inf, np.float32)
    if c == 0:
        return frames, distances
    for r in numba.prange(n_rows):
        row = tile[r]
        bound = np.inf if bounds is None else bounds[r]
        chosen = np.empty(n_columns, np.int64)
        count = 0
        for j in range(n_columns):
            if row[j] <= bound and row[j] < np.inf:
                chosen[count] = j
                count += 1
        values = row[chosen[:count]]
        if count > c:
            limit = np.partition(values, c - 1)[c - 1]
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
        :func:`reduced_descriptors` (only the tile's blocks are read).
    metric : "gray" or "hsl"
    c : int
        Candidates kept per frame (at most N − 1).
    rows, columns : (start, stop)
        The tile's two blocks of frames (the same block: a diagonal tile).
    heatmap : framescape.tiles.CellSums, optional
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
                kernels.merge_sorted(
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
    heatmap : framescape.tiles.CellSums or None
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


def sampled_frames(n, count=RECALL_SAMPLE):
    """``(S,) int64``: ``count`` frames spread evenly over a movie of ``n``
    (all of them when fewer), whose true nearest frames tell how many
    candidates are needed (:func:`candidates_needed`)."""
    if n == 0:
        return np.zeros(0, np.int64)
    return np.unique(np.linspace(0, n - 1, min(count, n)).round().astype(np.int64))


def exact_nearest(frames, metric, k, chosen, mask=None, progress=None):
    """``(S, k) int32``: the true ``k`` nearest of a few frames, ranked as the
    dense path ranks (:func:`distances.nearest_frames`) their full-size
    distances to every frame (:func:`distances.distances_to`, a block of
    :data:`FRAME_BLOCK` frames at a time, whatever the metric). ``progress``
    as :func:`distances.distances_to`'s."""
    rows = distances_to(
        frames, metric, chosen, mask, column_frames=FRAME_BLOCK, progress=progress
    )
    return nearest_frames(rows, k, rows=chosen)


def candidates_needed(listed, truth, least, target=RECALL_TARGET):
    """How many of each frame's candidates to re-rank: the fewest, at least
    ``least``, that hold ``target`` of some frames' true nearest frames.

    Parameters
    ----------
    listed : (S, c) int
        The sampled frames' candidates, nearest reduced distance first.
    truth : (S, k) int
        Their true ``k`` nearest (:func:`exact_nearest`).
    least : int
    target : float

    Returns
    -------
    count : int
        Between ``least`` and ``c`` (``c`` when even all of them hold less).
    recall : float
        The share of the true nearest that ``count`` candidates hold: as the
        re-rank is exact, the estimated recall of the graph (1 without a
        sample).
    """
    width = listed.shape[1]
    if truth.size == 0:
        return min(least, width), 1.0
    # Each true neighbour's place in its frame's list (width: not in it), by a
    # table of places over frame numbers (N + 1: the lists' "none" marker).
    place = np.full(max(int(listed.max()), int(truth.max())) + 1, width)
    position = np.empty(truth.shape, np.int64)
    for row, (candidates, nearest) in enumerate(zip(listed, truth)):
        frames, first = np.unique(candidates, return_index=True)  # a repeat: its first
        place[frames] = first
        position[row] = place[nearest]
        place[frames] = width
    position = position.ravel()
    # held[c]: the share that the first c candidates hold.
    held = np.concatenate([[0], np.cumsum(np.bincount(position, minlength=width + 1))])
    held = held[: width + 1] / position.size
    enough = np.flatnonzero(held[least:] >= target)
    count = least + int(enough[0]) if len(enough) else width
    return count, float(held[count])


def choose_candidates(
    frames, metric, k, merged, least, mask=None, sample=RECALL_SAMPLE, progress=None
):
    """The candidates each frame re-ranks: the first ``count`` of the candidate
    pass's lists (:func:`candidates_needed` of :func:`sampled_frames`), in
    place.

    Parameters
    ----------
    frames : (N, H, W, 3) uint8
    metric : "gray" or "hsl"
    k : int
    merged : NearestMerge
        The candidate pass's lists, cut to ``count`` columns here.
    least : int
    mask : (H, W) bool, optional
    sample : int
        Frames compared with every frame at full size.
    progress : callable, optional
        ``progress(frames compared, N, "frames")``.

    Returns
    -------
    dict
        ``count``, ``recall`` (:func:`candidates_needed`), ``sampled`` (how
        many frames), ``kept`` (the candidates the pass kept a frame).
    """
    kept = merged.frames.shape[1]
    chosen = sampled_frames(len(merged.frames), sample if k else 0)
    truth = np.zeros((0, k), np.int64)
    if len(chosen):
        truth = exact_nearest(frames, metric, k, chosen, mask, progress)
    count, recall = candidates_needed(merged.frames[chosen], truth, least)
    merged.frames = np.ascontiguousarray(merged.frames[:, :count])
    merged.distances = np.ascontiguousarray(merged.distances[:, :count])
    return {"count": count, "recall": recall, "sampled": len(chosen), "kept": kept}


def rerank(frames, metric, k, rows, candidates, mask=None):
    """Each of a group of frames' ``k`` nearest among its candidates, by exact
    full-size distance.

    Parameters
    ----------
    frames : (N, H, W, 3) uint8 (a memmap: only these frames are read)
    metric : "gray" or "hsl"
    k : int
    rows : (R,) int
        Frame numbers (:func:`group_rows`: frames whose candidates overlap).
    candidates : (R, c) int
        Frame numbers to compare each row with (``N``: none; the row itself
        and repeats are skipped).
    mask : (H, W) bool, optional

    Returns
    -------
    indices : (R, k) int32
        Nearest first, equal distances in frame order (``N`` where fewer).
    distances : (R, k) float32
        As the whole matrix has them (:func:`distances.distances_to`; ``inf``).

    Memory: the rows' features (hsl: 16 bytes a pixel each), a block of the
    other frames' (:func:`distances.distances_to`) and the rows' distances to
    the union of their candidates, ``(R, U)``.
    """
    frames, _, _ = check_frames(frames, mask)
    n = frames.shape[0]
    rows = np.asarray(rows, np.int64)
    if k == 0:  # nothing to find (the merge kernel needs a list to fill)
        return np.zeros((len(rows), 0), np.int32), np.zeros((len(rows), 0), np.float32)
    # Sorted, so that a repeated candidate sits beside its first listing.
    candidates = np.sort(np.asarray(candidates, np.int64), axis=1)
    skipped = candidates == rows[:, None]
    skipped[:, 1:] |= candidates[:, 1:] == candidates[:, :-1]
    candidates[skipped] = n
    listed = candidates < n
    union = np.unique(candidates[listed])
    matrix = distances_to(frames, metric, rows, mask, columns=union)
    column = np.searchsorted(union, candidates)
    column[~listed] = 0
    found = np.take_along_axis(matrix, column, axis=1)
    found[~listed] = np.inf
    best_distances = np.full((len(rows), k), np.inf, np.float32)
    best_frames = np.full((len(rows), k), n, np.int32)
    kernels.merge_listed(
        best_distances, best_frames, found, candidates.astype(np.int32), 0, n
    )
    return best_frames, best_distances


@numba.njit(cache=True)
def group_rows(candidates, wanted, size):
    """Frames in groups whose candidates overlap, so that a group's re-rank
    compares its frames with few frames in all: a frame not grouped yet, then
    its candidates not grouped yet, then theirs (breadth first), up to ``size``.

    Consecutive frames would do for footage whose near frames are near in time;
    not for a movie whose scenes come back (its frames' candidates lie all over
    it: 98 % of a 10,000-frame movie for each block of 256 consecutive frames of
    ffmpeg's testsrc2, 465 frames for each group here).

    Parameters
    ----------
    candidates : (N, c) int32
        Every frame's candidates (``N``: none).
    wanted : (N,) bool
        The frames to group.
    size : int
        Frames per group at most.

    Returns
    -------
    order : (M,) int64
        The wanted frames, group after group.
    sizes : (G,) int64
        Frames in each group.
    """
    n = candidates.shape[0]
    grouped = ~wanted
    order = np.empty(n, np.int64)
    sizes = np.empty(n, np.int64)
    count = groups = 0
    for seed in range(n):
        if grouped[seed]:
            continue
        start = head = count
        grouped[seed] = True
        order[count] = seed
        count += 1
        while head < count and count - start < size:
            frame = order[head]
            head += 1
            for other in candidates[frame]:
                if count - start == size:
                    break
                if other < n and not grouped[other]:
                    grouped[other] = True
                    order[count] = other
                    count += 1
        sizes[groups] = count - start
        groups += 1
    return order[:count], sizes[:groups]


def rerank_groups(frames, metric, k, candidates, groups, mask=None, progress=None):
    """:func:`rerank` of each group of frames.

    Parameters
    ----------
    candidates : (N, c) int
        Every frame's candidates (``N``: none).
    groups : list of (R,) int
        Frame numbers (:func:`group_rows`).
    progress : callable, optional
        ``progress(frames done, frames, "frames")`` after each group.

    Returns
    -------
    rows : (M,) int64
        The groups' frames, in order.
    indices : (M, k) int32
    distances : (M, k) float32
    """
    total = sum(len(group) for group in groups)
    rows = np.concatenate(groups) if groups else np.zeros(0, np.int64)
    indices = np.empty((total, k), np.int32)
    distances = np.empty((total, k), np.float32)
    done = 0
    for group in groups:
        found = rerank(frames, metric, k, group, candidates[group], mask)
        indices[done : done + len(group)], distances[done : done + len(group)] = found
        done += len(group)
        if progress:
            progress(done, total, "frames")
    return rows, indices, distances


def split_groups(order, sizes):
    """:func:`group_rows`'s result as a list of arrays of frame numbers."""
    return np.split(order, np.cumsum(sizes)[:-1]) if len(sizes) else []


def rerank_all(
    frames, metric, k, candidates, mask=None, rerank_rows=RERANK_ROWS, progress=None
):
    """Every frame that has a candidate re-ranked, in groups of at most
    ``rerank_rows`` (:func:`group_rows`): ``(N, k) int32`` indices and
    ``(N, k) float32`` distances (``N`` and ``inf`` for the others);
    ``progress`` as :func:`rerank_groups`'."""
    n = len(candidates)
    wanted = (candidates < n).any(axis=1)
    groups = split_groups(*group_rows(candidates, wanted, rerank_rows))
    rows, found, near = rerank_groups(
        frames, metric, k, candidates, groups, mask, progress
    )
    indices = np.full((n, k), n, np.int32)
    distances = np.full((n, k), np.inf, np.float32)
    indices[rows], distances[rows] = found, near
    return indices, distances


def certified(candidate_distances, kth_distances, reduced):
    """``(N,) bool``: the frames whose ``k`` nearest among their candidates are
    surely their true ``k`` nearest: every frame left out is at least the
    ``c``-th candidate's reduced distance away, whose bound exceeds the
    ``k``-th distance found.

    Parameters
    ----------
    candidate_distances : (N, c) float32
        :class:`NearestMerge`'s ``distances`` (``inf`` where fewer: every
        frame is a candidate).
    kth_distances : (N,) float32
        The ``k``-th exact distance each frame's re-rank found.
    reduced : dict
        :func:`reduced_descriptors`.
    """
    n, c = candidate_distances.shape
    if c >= n - 1:  # no frame is left out
        return np.ones(n, bool)
    slack = reduced["slack"]
    last = candidate_distances[:, -1].astype(np.float64)
    bound = last * (1 - REDUCED_MARGIN) - slack - slack.max()
    return bound > kth_distances


def completion_part(reduced, metric, frames, columns, thresholds, known, limit):
    """A share of the second reduced pass: for some frames (those not
    certified), the frames of a block not among their candidates whose lower
    bound does not exceed the frame's threshold (its ``k``-th exact distance),
    so might be among its true ``k`` nearest: at most ``limit``, those of the
    smallest bounds.

    Parameters
    ----------
    reduced : dict
    metric : "gray" or "hsl"
    frames : (M,) int
        Frame numbers.
    columns : (start, stop)
        The block compared with them.
    thresholds : (M,) float32
    known : (M, c) int
        Their candidates, re-ranked already (``N``: none).
    limit : int

    Returns
    -------
    frames : (M, limit) int32
        Nearest bound first (``N`` where fewer).
    bounds : (M, limit) float32
        ``inf`` where fewer. Memory: the tile (gray 16 bytes a pair, hsl 8).
    """
    n = len(reduced["descriptors"])
    frames = np.asarray(frames, np.intp)
    bounds = lower_bounds(
        reduced_tile(reduced, metric, frames, columns), reduced, frames, columns
    )
    bounds[bounds > np.asarray(thresholds, np.float32)[:, None]] = np.inf
    bounds[frames[:, None] == np.arange(*columns)[None, :]] = np.inf
    inside = (known >= columns[0]) & (known < columns[1])
    bounds[np.nonzero(inside)[0], known[inside] - columns[0]] = np.inf
    return nearest_in_rows(bounds, limit, columns[0], n)


def second_pass(
    frames,
    metric,
    reduced,
    indices,
    distances,
    candidates,
    candidate_distances,
    mask=None,
    tile_frames=CANDIDATE_TILE,
    rerank_rows=RERANK_ROWS,
    progress=None,
    max_share=None,
):
    """The second pass: the graph of the first re-rank made exact, in place.

    Each doubtful frame takes at most as many more candidates as it had (the
    frames of the smallest bounds within its ``k``-th distance): a frame with
    more (a long still shot with noise: thousands of frames whose reduced
    distances all lie within it) keeps the best of them, and is counted.

    Parameters
    ----------
    frames : (N, H, W, 3) uint8
    metric : "gray" or "hsl"
    reduced : dict
        :func:`reduced_descriptors`.
    indices, distances : (N, k)
        The first re-rank's neighbours (:func:`rerank_all`), completed here.
    candidates, candidate_distances : (N, c)
        The candidates that were re-ranked and their reduced distances
        (:class:`NearestMerge`'s ``frames`` and ``distances``).
    mask : (H, W) bool, optional
    tile_frames, rerank_rows : int
    progress : callable, optional
        ``progress(done, total, unit)``: tiles of reduced pairs, then frames
        re-ranked.
    max_share : float, optional
        It runs only while at most this share of the frames is doubtful
        (default :data:`SECOND_PASS_MAX_SHARE`; 1: always).

    Returns
    -------
    dict
        ``certified`` ``(N,) bool`` (:func:`certified`), ``missing``, the
        candidates the second pass added, ``inexact``, the frames that had
        more than it takes (their lists may miss a true neighbour), and
        ``skipped``: more than :data:`SECOND_PASS_MAX_SHARE` of the frames
        were doubtful, and the graph is the first re-rank's.
    """
    n, k = indices.shape
    sure = certified(candidate_distances, distances[:, -1], reduced)
    doubtful = np.flatnonzero(~sure)
    if max_share is None:
        max_share = SECOND_PASS_MAX_SHARE
    if len(doubtful) > max_share * n:
        return {"certified": sure, "missing": 0, "inexact": 0, "skipped": True}
    limit = candidate_distances.shape[1]
    found = NearestMerge(n, limit, rows=len(doubtful))
    blocks = tile_count(n, tile_frames)
    tiles = blocks * -(-len(doubtful) // tile_frames)
    for start in range(0, len(doubtful), tile_frames):
        chunk = doubtful[start : start + tile_frames]
        for index in range(blocks):
            near, bounds = completion_part(
                reduced,
                metric,
                chunk,
                tile_range(index, n, tile_frames),
                distances[chunk, -1],
                candidates[chunk],
                limit,
            )
            kernels.merge_listed(found.distances, found.frames, bounds, near, start, n)
            if progress:
                done = (start // tile_frames) * blocks + index + 1
                progress(done, tiles, "tiles of reduced pairs")
    # completion_part left out each frame's candidates: all it found is new.
    missing = np.full((n, limit), n, np.int32)
    missing[doubtful] = found.frames
    more_indices, more_distances = rerank_all(
        frames, metric, k, missing, mask, rerank_rows, progress
    )
    kernels.merge_listed(distances, indices, more_distances, more_indices, 0, n)
    return {
        "certified": sure,
        "missing": int((missing < n).sum()),
        "inexact": int((found.frames[:, -1] < n).sum()),
        "skipped": False,
    }


def candidate_graph(
    frames,
    metric,
    k,
    c=None,
    factor=None,
    mask=None,
    complete=None,
    tile_frames=CANDIDATE_TILE,
    rerank_rows=RERANK_ROWS,
    cell_frames=None,
    max_share=None,
    every_pair=False,
):
    """The ``k`` frames nearest to each frame from ``c`` candidates each, in
    one process (the workflow's jobs make the same calls, framescape.graph).

    Parameters
    ----------
    frames : (N, H, W, 3) uint8
    metric : "gray" or "hsl"
    k : int
        Neighbours per frame (clamped to N − 1).
    c : int, optional
        Candidates per frame (clamped to N − 1, at least ``k``); by default
        chosen by a sample (:func:`choose_candidates`: at least
        :func:`candidate_count`, at most :func:`candidate_limit`).
    factor : int, optional
        :data:`REDUCE_FACTOR`.
    mask : (H, W) bool, optional
    complete : bool, optional
        Run the second reduced pass and re-rank what it finds (default
        :data:`COMPLETE`): then the result is the exact neighbour graph, the
        dense ranking's neighbours (gray's distances equal, hsl's within
        float32 rounding).
    tile_frames, rerank_rows : int
    cell_frames : int, optional
        Frames per heatmap cell side: the report then has the ``heatmap``.
    max_share : float, optional
        :func:`second_pass`'s.
    every_pair : bool
        Without ``c``, rank a movie of at most :func:`candidate_limit` + 1
        frames (whose candidates would be every frame, so that they cannot save
        work) from its whole matrix instead, the dense ranking (which the
        workflow's jobs do not do).

    Returns
    -------
    indices : (N, k) int32
        Nearest first; equal distances in frame order.
    distances : (N, k) float32
    report : dict
        Ranked from the matrix (``every_pair``): ``every_pair`` and
        ``seconds`` only. Otherwise
        ``first`` ``(N, k) int32``, the first re-rank's indices, ``certified``
        ``(N,) bool`` (:func:`certified`), ``sample`` (without ``c``:
        :func:`choose_candidates`'), ``missing`` when the second pass ran,
        ``seconds`` per pass (``reduce``, ``candidates``, ``sample``,
        ``rerank``, ``complete``),
        ``heatmap`` (:meth:`framescape.tiles.CellSums.heatmap` of the reduced
        distances).
    """
    frames, _, _ = check_frames(frames, mask)
    n = frames.shape[0]
    k = max(0, min(k, n - 1))
    least = candidate_count(metric, k, n) if c is None else max(k, min(c, n - 1))
    most = candidate_limit(metric, k, n) if c is None else least
    if complete is None:
        complete = COMPLETE[metric]
    seconds = {}
    started = time.perf_counter()
    if every_pair and c is None and most >= n - 1:
        # The matrix of so few frames is small: under 1,000² numbers for k ≤ 150.
        matrix = compute_distances(frames, metric, mask)
        indices = nearest_frames(matrix, k)
        found = np.take_along_axis(matrix, indices.astype(np.intp), axis=1)
        seconds["matrix"] = time.perf_counter() - started
        return indices, found, {"every_pair": True, "seconds": seconds}
    reduced = reduced_descriptors(frames, metric, factor, mask)
    seconds["reduce"] = time.perf_counter() - started
    started = time.perf_counter()
    merged, heatmap = candidate_pass(reduced, metric, most, tile_frames, cell_frames)
    seconds["candidates"] = time.perf_counter() - started
    report = {}
    if c is None:
        started = time.perf_counter()
        report["sample"] = choose_candidates(frames, metric, k, merged, least, mask)
        seconds["sample"] = time.perf_counter() - started
    started = time.perf_counter()
    indices, distances = rerank_all(
        frames, metric, k, merged.frames, mask, rerank_rows=rerank_rows
    )
    seconds["rerank"] = time.perf_counter() - started
    report["first"] = indices.copy()
    if k:
        report["certified"] = certified(merged.distances, distances[:, -1], reduced)
    if complete and k:
        started = time.perf_counter()
        report.update(
            second_pass(
                frames,
                metric,
                reduced,
                indices,
                distances,
                merged.frames,
                merged.distances,
                mask,
                tile_frames,
                rerank_rows,
                max_share=max_share,
            )
        )
        seconds["complete"] = time.perf_counter() - started
    if heatmap is not None:
        report["heatmap"] = heatmap.heatmap()
    report["seconds"] = seconds
    return indices, distances, report
