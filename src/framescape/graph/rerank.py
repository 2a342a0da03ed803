"""Pass 3 of the neighbour graph: each frame's candidates compared with it at full
size, exactly (:func:`rerank`), in groups of frames whose candidates overlap, so
that their features are computed once for the group (:func:`group_rows`); each
frame's ``k`` nearest ordered by (distance, frame number) as the dense ranking
is."""



import numba
import numpy as np

from framescape.distances import nearest_kernels
from framescape.distances.matrices import check_frames
from framescape.distances.nearest import distances_to
from framescape.graph.parameters import RERANK_ROWS


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
        As the whole matrix has them (:func:`distances_to`; ``inf``).

    Memory: the rows' features (hsl: 16 bytes a pixel each), a block of the
    other frames' (:func:`distances_to`) and the rows' distances to
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
    nearest_kernels.merge_listed(
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
