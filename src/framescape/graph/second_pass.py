"""Pass 4 of the neighbour graph, which makes it exact: the frames whose ``k``
nearest are certified by their candidates' bounds keep them (:func:`certified`);
the others' rows are compared again at the reduced size with every frame
(:func:`completion_part`), and the frames whose bound does not exceed their
``k``-th distance are re-ranked (:func:`second_pass`). It runs only while the
doubtful frames are at most :data:`SECOND_PASS_MAX_SHARE` of the movie."""



import numpy as np

from framescape.distances import nearest_kernels
from framescape.distances.tiles import tile_count, tile_range
from framescape.graph.candidates import (
    NearestMerge,
    lower_bounds,
    nearest_in_rows,
    reduced_tile,
)
from framescape.graph.parameters import (
    CANDIDATE_TILE,
    RERANK_ROWS,
    SECOND_PASS_MAX_SHARE,
)
from framescape.graph.reduce import REDUCED_MARGIN
from framescape.graph.rerank import rerank_all


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
        :func:`~framescape.graph.reduce.reduced_descriptors`.
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
    *,
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
        :func:`~framescape.graph.reduce.reduced_descriptors`.
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
    found = completion_pass(
        reduced, metric, doubtful, distances, candidates, limit, tile_frames, progress
    )
    # completion_part left out each frame's candidates: all it found is new.
    missing = np.full((n, limit), n, np.int32)
    missing[doubtful] = found.frames
    more_indices, more_distances = rerank_all(
        frames, metric, k, missing, mask, rerank_rows, progress
    )
    nearest_kernels.merge_listed(distances, indices, more_distances, more_indices, 0, n)
    return {
        "certified": sure,
        "missing": int((missing < n).sum()),
        "inexact": int((found.frames[:, -1] < n).sum()),
        "skipped": False,
    }


def completion_pass(
    reduced, metric, doubtful, distances, candidates, limit, tile_frames, progress
):
    """The second reduced pass: :func:`completion_part` of the ``doubtful``
    frames against every block of frames, ``tile_frames`` of them at a time,
    put together (a :class:`NearestMerge` of their rows, at most ``limit``
    each). ``distances`` and ``candidates`` are every frame's (the first
    re-rank's and the candidate pass's); ``progress`` as :func:`second_pass`
    takes it."""
    n = len(candidates)
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
            nearest_kernels.merge_listed(found.distances, found.frames, bounds, near, start, n)
            if progress:
                done = (start // tile_frames) * blocks + index + 1
                progress(done, tiles, "tiles of reduced pairs")
    return found
