"""The index of a folder's frames: every frame reduced and
projected onto principal components (:func:`fit_projection`,
:func:`project_frames`), faiss's inverted lists over the projections
(:func:`train_index`), the order the search jobs take the frames in
(:func:`list_order`) and how many candidates each frame re-ranks, chosen by a
sample (:func:`sampled_candidates`)."""

import faiss
import numpy as np

from framescape.distances.parameters import FRAME_BLOCK
from framescape.graph.parameters import RECALL_SAMPLE
from framescape.graph.reduce import reduced_descriptors
from framescape.graph.sample import candidates_needed, exact_nearest, sampled_frames
from framescape.index.parameters import (
    DIMENSIONS,
    INDEX_RECALL_SAMPLE,
    PROBES,
    TRAIN_FRAMES,
    TRAIN_PER_LIST,
    list_count,
)
from framescape.threads import faiss_threads

# The sample of frames that fits the projection and the centres: the same for
# every run of the same folder.
SEED = 0
# Queries searched at a time (framescape.index.resources counts as many).
SEARCH_CHUNK = 4096


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
    threads would otherwise give another graph than a local run."""
    faiss_threads(1)
    sample = np.concatenate(
        [
            reduced_rows(frames[chosen[start : start + FRAME_BLOCK]], metric, mask)
            for start in range(0, len(chosen), FRAME_BLOCK)
        ]
    )
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
    :func:`list_count` lists trained on :data:`TRAIN_PER_LIST` frames a list
    (at least :data:`TRAIN_FRAMES`, drawn as :func:`training_frames`)."""
    n, dimensions = projected.shape
    lists = list_count(n)
    chosen = training_frames(n, max(TRAIN_FRAMES, TRAIN_PER_LIST * lists))
    quantizer = faiss.IndexFlatL2(dimensions)
    index = faiss.IndexIVFFlat(quantizer, dimensions, lists, faiss.METRIC_L2)
    index.cp.seed = SEED
    # A list's centre from at least a few frames of it (faiss warns under 39).
    index.cp.min_points_per_centroid = 1
    index.train(np.ascontiguousarray(projected[chosen]))
    for start in range(0, n, TRAIN_FRAMES):
        index.add(np.ascontiguousarray(projected[start : start + TRAIN_FRAMES]))
    index.nprobe = min(PROBES, lists)
    return index


def list_order(index, projected):
    """``(N,) int64``: the frames by the list each falls in, then by frame
    number: a block of frames in this order shares its candidates."""
    _, lists = index.quantizer.search(np.ascontiguousarray(projected), 1)
    return np.lexsort((np.arange(len(projected)), lists[:, 0]))


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


def part_progress(progress, part, parts):
    """``progress`` of part ``part`` of ``parts`` equal parts of some work,
    counted as the whole's."""
    return lambda done, total, unit: progress(part * total + done, parts * total, unit)


def sampled_candidates(
    frames, metric, k, index, projected, least, limit, mask=None, progress=None
):
    """How many candidates each frame re-ranks: the fewest, at least ``least``,
    at most ``limit``, whose share of the true ``k`` nearest of
    :data:`INDEX_RECALL_SAMPLE` frames (compared with every frame at full size,
    :data:`RECALL_SAMPLE` at a time) reaches the graph's target
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
    # A part at a time: its distances to every frame are held (S x N float32).
    parts = np.array_split(chosen, -(-len(chosen) // RECALL_SAMPLE))
    truth = np.concatenate(
        [
            exact_nearest(
                frames,
                metric,
                k,
                part,
                mask,
                progress and part_progress(progress, i, len(parts)),
            )
            for i, part in enumerate(parts)
        ]
    )
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
