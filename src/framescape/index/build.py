"""The index of a folder's frames: every frame reduced and
projected onto principal components (:func:`fit_projection`,
:func:`project_frames`), faiss's inverted lists over the projections
(:func:`train_index`), the order the search jobs take the frames in
(:func:`list_order`) and how many candidates each frame re-ranks, chosen by a
sample compared with every frame in one pass (:func:`sampled_candidates`,
:func:`sample_nearest`)."""

import faiss
import numpy as np

from framescape.distances.matrices import release_pages
from framescape.distances.nearest import distances_to
from framescape.distances.parameters import FRAME_BLOCK
from framescape.graph.reduce import reduced_descriptors
from framescape.graph.sample import candidates_needed, sampled_frames
from framescape.index.parameters import (
    DIMENSIONS,
    INDEX_RECALL_SAMPLE,
    PROBES,
    SAMPLE_COLUMNS,
    TRAIN_FRAMES,
    list_count,
)
from framescape.threads import faiss_threads

# The sample of frames that fits the projection and the centres: the same for
# every run of the same folder.
SEED = 0
# Queries searched at a time (framescape.index.resources counts as many).
SEARCH_CHUNK = 4096
# Frames added to the index at a time: faiss's copy of them is held for a chunk.
ADD_CHUNK = 65536


def training_frames(n, count=TRAIN_FRAMES):
    """``(T,) int64``: ``count`` frames drawn at random (all when fewer), in
    order (a memmap reads them front to back)."""
    if n <= count:
        return np.arange(n)
    return np.sort(np.random.default_rng(SEED).choice(n, count, replace=False))


def reduced_rows(frames, metric, mask=None):
    """``(B, D) float32``: frames reduced as the neighbour graph reduces them
    (:func:`reduced_descriptors`): gray's byte means, hsl's feature means."""
    descriptors = reduced_descriptors(frames, metric, mask=mask)["descriptors"]
    return descriptors.astype(np.float32, copy=False)


def fit_projection(frames, metric, chosen, dimensions=None, mask=None):
    """faiss's ``PCAMatrix``: the first ``dimensions`` (by default the
    metric's :data:`DIMENSIONS`) principal components of the reduced frames
    ``chosen`` (at most as many as they have numbers), read a block at a time.

    Fitted and applied on one thread (:func:`project_frames` too): faiss's
    BLAS sums in another order with more threads, and the projections decide
    each frame's list and candidates, so a job on a cluster node with more
    threads would otherwise give another graph than a local run.

    A memmap's pages are given back after each block: the sampled frames lie
    all over the file, and the pages read around each (the kernel reads
    ahead) would otherwise stay this job's memory, the whole folder's frames
    at 65,536 of 300,000."""
    faiss_threads(1)
    sample = []
    for start in range(0, len(chosen), FRAME_BLOCK):
        block = frames[chosen[start : start + FRAME_BLOCK]]
        release_pages(frames)
        sample.append(reduced_rows(block, metric, mask))
    sample = np.concatenate(sample)
    dimensions = dimensions or DIMENSIONS[metric]
    dimensions = min(dimensions, sample.shape[1], max(1, len(sample) - 1))
    projection = faiss.PCAMatrix(sample.shape[1], dimensions)
    projection.train(sample)
    return projection


def project_frames(frames, metric, projection, out, mask=None, progress=None):
    """Every frame reduced and projected into ``out`` ``(N, d) float32``, a
    block of frames at a time, on one thread (:func:`fit_projection`);
    ``progress(frames done, N, "frames")``."""
    faiss_threads(1)
    n = len(frames)
    for start in range(0, n, FRAME_BLOCK):
        block = frames[start : start + FRAME_BLOCK]
        out[start : start + len(block)] = projection.apply(
            reduced_rows(block, metric, mask)
        )
        if progress:
            progress(start + len(block), n, "frames")
    return out


def train_index(projected):
    """faiss's ``IndexIVFFlat`` over every projected frame: the centres of
    :func:`list_count` lists trained on :data:`TRAIN_FRAMES` frames
    (:func:`training_frames`, the projection's), whatever the folder's size,
    so that training grows with the lists, not with their square."""
    n, dimensions = projected.shape
    lists = list_count(n)
    # faiss wants a frame a list at least (past 16.8 million frames).
    chosen = training_frames(n, max(TRAIN_FRAMES, lists))
    quantizer = faiss.IndexFlatL2(dimensions)
    index = faiss.IndexIVFFlat(quantizer, dimensions, lists, faiss.METRIC_L2)
    index.cp.seed = SEED
    # A list's centre from at least a few frames of it (faiss warns under 39).
    index.cp.min_points_per_centroid = 1
    index.train(np.ascontiguousarray(projected[chosen]))
    for start in range(0, n, ADD_CHUNK):
        index.add(np.ascontiguousarray(projected[start : start + ADD_CHUNK]))
    index.nprobe = min(PROBES, lists)
    return index


def list_order(index):
    """``(N,) int64``: the frames by the list each falls in, then by frame
    number: a block of frames in this order shares its candidates. Read from
    the index's lists, which the frames were put in when added, rather than
    asking the centres again for each frame (N × lists distances)."""
    invlists = index.invlists
    order = []
    for number in range(index.nlist):
        ids = np.empty(invlists.list_size(number), np.int64)
        if len(ids):
            pointer = invlists.get_ids(number)
            faiss.memcpy(faiss.swig_ptr(ids), pointer, ids.nbytes)
            invlists.release_ids(number, pointer)
        order.append(np.sort(ids))
    order = np.concatenate(order)
    if len(order) != index.ntotal:
        raise ValueError(
            f"the index's lists hold {len(order)} of its {index.ntotal} frames"
        )
    return order


def search(index, queries, count, n):
    """``(B, count) int32``: each query's ``count`` nearest frames in the index,
    nearest first (``n`` where the lists searched hold fewer); searched
    :data:`SEARCH_CHUNK` queries at a time, so that faiss's own distances and
    int64 numbers are held for a chunk only."""
    found = np.empty((len(queries), count), np.int32)
    if count == 0:
        return found
    for start in range(0, len(queries), SEARCH_CHUNK):
        chunk = np.ascontiguousarray(queries[start : start + SEARCH_CHUNK], np.float32)
        _, listed = index.search(chunk, count)
        listed[listed < 0] = n
        found[start : start + len(chunk)] = listed
    return found


def sample_nearest(
    frames, metric, k, chosen, mask=None, progress=None, columns=SAMPLE_COLUMNS
):
    """``(S, k) int32``: the true ``k`` nearest of frames ``chosen``, as
    :func:`framescape.graph.sample.exact_nearest` ranks them (nearest first,
    equal distances in frame order, the frame itself left out), in one pass
    over the frames: they are compared with ``columns`` frames at a time
    (:func:`distances_to`), and each chosen frame keeps its ``k`` nearest so
    far, where ``exact_nearest`` holds ``(S, N)`` distances.
    ``progress(frames compared, N, "frames")``."""
    n = len(frames)
    chosen = np.asarray(chosen, np.intp)
    k = max(0, min(k, n - 1))
    # Each row's nearest so far, by distance, equal ones in frame order.
    best = np.full((len(chosen), k), np.inf, np.float32)
    best_at = np.full((len(chosen), k), n, np.int64)
    for start in range(0, n if k else 0, columns):
        stop = min(n, start + columns)
        block = distances_to(
            frames, metric, chosen, mask, columns=np.arange(start, stop)
        )
        inside = np.flatnonzero((chosen >= start) & (chosen < stop))
        block[inside, chosen[inside] - start] = np.inf
        limit = best[:, -1]
        # Rows with a frame here nearer than their k-th so far (one as near
        # comes later, so it loses the tie): this block's frames come after
        # every kept one, so a stable sort keeps equal distances in frame order.
        for row in np.flatnonzero((block < limit[:, None]).any(axis=1)):
            near = np.flatnonzero(block[row] < limit[row])
            distance = np.concatenate([best[row], block[row, near]])
            at = np.concatenate([best_at[row], start + near])
            kept = np.argsort(distance, kind="stable")[:k]
            best[row], best_at[row] = distance[kept], at[kept]
        if progress:
            progress(stop, n, "frames")
    return best_at.astype(np.int32)


def sampled_candidates(
    frames, metric, k, index, projected, least, limit, mask=None, progress=None
):
    """How many candidates each frame re-ranks: the fewest, at least ``least``,
    at most ``limit``, whose share of the true ``k`` nearest of
    :data:`INDEX_RECALL_SAMPLE` frames (compared with every frame at full size,
    :func:`sample_nearest`) reaches the graph's target
    (:func:`candidates_needed`).

    Returns
    -------
    dict
        ``count``, ``recall`` (the share ``count`` candidates hold: the
        search's estimated recall, as the re-rank is exact), ``sampled``
        (frames), ``rows`` ``(S,)`` and ``truth`` ``(S, k)``: the sampled frames
        and their true ``k`` nearest, which the refined graph is measured
        against (:func:`framescape.index.jobs.graph_step`).
    """
    n = len(frames)
    chosen = sampled_frames(n, INDEX_RECALL_SAMPLE if k else 0)
    if not len(chosen):
        nothing = np.zeros((0, k), np.int32)
        return {
            "count": min(least, limit),
            "recall": 1.0,
            "sampled": 0,
            "rows": chosen,
            "truth": nothing,
        }
    truth = sample_nearest(frames, metric, k, chosen, mask, progress)
    # One more: the frame itself is its own nearest.
    listed = search(index, projected[chosen], limit + 1, n)
    listed = np.array([row[row != frame][:limit] for row, frame in zip(listed, chosen)])
    count, recall = candidates_needed(listed, truth, least)
    return {
        "count": count,
        "recall": recall,
        "sampled": len(chosen),
        "rows": chosen,
        "truth": truth,
    }
