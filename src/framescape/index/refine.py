"""The index's graph refined: a neighbour of a neighbour is often a neighbour
(the idea of NN-descent: Dong, Charikar and Li, "Efficient k-nearest neighbor
graph construction for generic similarity measures", WWW 2011). Each frame's
candidates become its own ``k`` nearest and the first ``width`` nearest of each
of its first ``width`` (:func:`neighbours_of_neighbours`), as the search found
them or as a round before refined them, re-ranked at full size as the search's
are, from every frame's luma made once (:func:`save_luma`). A frame keeps every
neighbour it had unless a nearer one is found, so the graph only gains. gray's
graph only: its distances are exact whatever they are computed with, and hsl's
index misses less (:data:`framescape.index.parameters.REFINE_WIDTH`).

It finds what the index's reduced frames cannot tell apart: frames whose
nearest barely stand out at the index's block means (cellular automata,
fractals: scattered cells of two colours), whose true neighbours are reached
through the few of them the search found (docs/performance.md, "The folder map
through an index")."""

import numba
import numpy as np

from framescape.distances import kernels, nearest_kernels
from framescape.distances.matrices import check_frames, pixel_block, release_pages
from framescape.index.parameters import LUMA_RESIDENT_BYTES, luma_frames


def neighbours_of_neighbours(indices, rows, width, own=None, start=0):
    """``(R, c) int32``: for each of ``rows``, its own neighbours in the graph
    ``indices`` ``(N, k)`` and the first ``width`` neighbours of each of its
    first ``width``, each once, in frame order; the row itself and the unused
    places at the end ``N``. ``c``, at most ``k + width²``, is the widest
    row's count.

    ``own`` ``(B, k)``: the neighbours of frames ``start`` to ``start + B``
    as a block has refined them so far, read instead of theirs in
    ``indices``.
    """
    indices = np.asarray(indices)  # a memmap's pages, as an array
    k = indices.shape[1]
    width = min(width, k)
    if own is None:
        own = indices[:0]
    listed = np.empty((len(rows), k + width * width), np.int32)
    own = np.asarray(own, indices.dtype)
    rows = np.asarray(rows, np.int64)
    counts = listed_neighbours(indices, own, start, rows, width, listed)
    return listed[:, : int(counts.max(initial=0))].copy()


@numba.njit(cache=True, parallel=True)
def listed_neighbours(indices, own, start, rows, width, listed):
    """:func:`neighbours_of_neighbours` into ``listed`` ``(R, k + width²)``:
    the count each row lists."""
    n, k = indices.shape
    counts = np.zeros(len(rows), np.int64)
    for r in numba.prange(len(rows)):
        row = rows[r]
        gathered = np.full(k + width * width, n, np.int32)
        gathered[:k] = neighbours_of(indices, own, start, row)
        for a in range(width):
            neighbour = gathered[a]
            if neighbour < n:  # not a short list's padding
                place = k + a * width
                gathered[place : place + width] = neighbours_of(
                    indices, own, start, neighbour
                )[:width]
        gathered.sort()
        count = 0
        for frame in gathered:
            repeated = count > 0 and frame == listed[r, count - 1]
            if frame != row and frame < n and not repeated:
                listed[r, count] = frame
                count += 1
        listed[r, count:] = n
        counts[r] = count
    return counts


@numba.njit(cache=True)
def neighbours_of(indices, own, start, frame):
    """``frame``'s neighbours: ``own``'s for the frames from ``start`` it
    holds, the graph's for the others."""
    if start <= frame < start + own.shape[0]:
        return own[frame - start]
    return indices[frame]


def held_share(indices, rows, truth):
    """The share of ``rows``' true nearest ``truth`` ``(S, k)`` that the graph
    ``indices`` holds (1 without any)."""
    if truth.size == 0:
        return 1.0
    held = [len(np.intersect1d(true, indices[row])) for row, true in zip(rows, truth)]
    return float(np.sum(held) / truth.size)


def kept_share(before, after):
    """The share of the neighbours ``after`` ``(R, k)`` that ``before`` held
    in the same row (1 without any)."""
    if after.size == 0:
        return 1.0
    return float(kept_counts(before, after).sum() / after.size)


@numba.njit(cache=True, parallel=True)
def kept_counts(before, after):
    """``(R,) int64``: how many of each row's ``after`` its ``before`` holds."""
    counts = np.zeros(after.shape[0], np.int64)
    for r in numba.prange(after.shape[0]):
        for frame in after[r]:
            for old in before[r]:
                if frame == old:
                    counts[r] += 1
                    break
    return counts


@numba.njit(cache=True, parallel=True)
def listed_sums(rows, others, columns):
    """``(R, c) int64``: the exact sums of absolute differences between row
    ``r`` of ``rows`` and row ``columns[r, j]`` of ``others`` (-1: none, left
    0). Both ``uint8``, as :func:`framescape.distances.kernels.sad_tile` sums
    them."""
    sums = np.zeros(columns.shape, np.int64)
    for r in numba.prange(columns.shape[0]):
        for j in range(columns.shape[1]):
            if columns[r, j] >= 0:
                sums[r, j] = kernels.sum_abs_diff(rows[r], others[columns[r, j]])
    return sums


def rerank_luma(luma, metric, k, rows, candidates, mask=None):
    """Each of ``rows``' ``k`` nearest among its own ``candidates`` by gray's
    distance, the mean absolute difference of two frames' luma, from
    ``luma`` ``(N, P) uint8``, every frame's (:func:`save_luma`'s,
    memory-mapped: only the candidates' rows are read, their pages given
    back after the group past :data:`LUMA_RESIDENT_BYTES`). The same bits as
    :func:`framescape.graph.rerank.rerank` gives for gray from the frames,
    without making the candidates' luma again in each group of rows.

    ``candidates`` as :func:`framescape.graph.rerank.rerank` takes them
    (``N``: none; the row itself and repeats are skipped). ``metric`` and
    ``mask``, as :func:`framescape.index.jobs.rerank_block` gives a group's
    step them: gray, the only metric refined, and none, the mask being
    applied when the luma is made. ``(R, k) int32`` frames and ``(R, k)
    float32`` distances."""
    if metric != "gray":
        raise ValueError(f"luma gives gray's distances, not {metric}'s")
    if mask is not None:
        raise ValueError("the luma holds the mask's pixels already: no mask again")
    luma = np.asarray(luma)  # a memmap's pages, as an array
    n, n_pixels = luma.shape
    rows = np.asarray(rows, np.intp)
    best_distances = np.full((len(rows), k), np.inf, np.float32)
    best_frames = np.full((len(rows), k), n, np.int32)
    if k == 0:
        return best_frames, best_distances
    # As graph.rerank skips them: sorted, so that a repeat sits beside its first.
    candidates = np.sort(np.asarray(candidates, np.int64), axis=1)
    skipped = candidates == rows[:, None]
    skipped[:, 1:] |= candidates[:, 1:] == candidates[:, :-1]
    candidates[skipped] = n
    listed = candidates < n
    sums = listed_sums(luma[rows], luma, np.where(listed, candidates, -1))
    if luma.nbytes > LUMA_RESIDENT_BYTES:
        release_pages(luma)
    # As distances_to divides them: float64, then float32.
    found = (sums / n_pixels).astype(np.float32)
    found[~listed] = np.inf
    nearest_kernels.merge_listed(
        best_distances, best_frames, found, candidates.astype(np.int32), 0, n
    )
    return best_frames, best_distances


def save_luma(frames, mask, path, progress=None):
    """Every frame's BT.601 luma (:func:`framescape.distances.kernels.bt601_luma`
    of the mask's pixels: gray's features) into the ``.npy`` ``path``,
    ``(N, P) uint8``, :func:`~framescape.index.parameters.luma_frames` frames
    at a time, written as they are made and the frames' pages given back after
    each: the job holds one block, not the folder's bytes.
    ``progress(frames, N, "frames")``."""
    frames, kept, n_pixels = check_frames(frames, mask)
    n, step = len(frames), luma_frames(n_pixels)
    header = {"descr": "|u1", "fortran_order": False, "shape": (n, n_pixels)}
    with open(path, "wb") as out:
        np.lib.format.write_array_header_1_0(out, header)
        for start in range(0, n, step):
            stop = min(n, start + step)
            out.write(kernels.bt601_luma(pixel_block(frames, kept, slice(start, stop))))
            release_pages(frames)
            if progress:
                progress(stop, n, "frames")
