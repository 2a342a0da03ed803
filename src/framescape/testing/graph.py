"""The neighbour graph in one process (:func:`candidate_graph`): the four passes
one after the other, for the benchmarks and the tests; the workflow splits the
same passes into jobs (:mod:`framescape.graph.jobs`), which :func:`run_jobs`
runs one after the other through their files."""

import contextlib
import time
from types import SimpleNamespace
from typing import NamedTuple

import numpy as np

from framescape.distances.matrices import (
    check_frames,
    compute_distances,
)
from framescape.distances.nearest import nearest_frames
from framescape.graph import jobs as graph_jobs
from framescape.graph.candidates import candidate_pass
from framescape.graph.parameters import (
    CANDIDATE_TILE,
    COMPLETE,
    RERANK_ROWS,
    candidate_count,
    candidate_limit,
)
from framescape.graph.reduce import reduced_descriptors
from framescape.graph.rerank import rerank_all
from framescape.graph.sample import choose_candidates
from framescape.graph.second_pass import certified, second_pass


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
        :data:`~framescape.graph.parameters.REDUCE_FACTOR`.
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
        ``heatmap`` (:meth:`framescape.distances.tiles.CellSums.heatmap` of the reduced
        distances).
    """
    frames, _, _ = check_frames(frames, mask)
    n = frames.shape[0]
    k = max(0, min(k, n - 1))
    least = candidate_count(metric, k, n) if c is None else max(k, min(c, n - 1))
    most = candidate_limit(metric, k, n) if c is None else least
    if complete is None:
        complete = COMPLETE[metric]
    if every_pair and c is None and most >= n - 1:
        return matrix_graph(frames, metric, k, mask)
    sizes = PassSizes(least, most, factor, tile_frames, rerank_rows, cell_frames)
    first = first_pass(frames, metric, k, c is None, sizes, mask)
    if complete and k:
        exact_pass(frames, metric, first, sizes, mask, max_share)
    report = first.report
    if first.heatmap is not None:
        report["heatmap"] = first.heatmap.heatmap()
    report["seconds"] = first.seconds
    return first.indices, first.distances, report


@contextlib.contextmanager
def timed(seconds, name):
    """``seconds[name]``: how long the ``with`` block took (s)."""
    started = time.perf_counter()
    yield
    seconds[name] = time.perf_counter() - started


def matrix_graph(frames, metric, k, mask):
    """:func:`candidate_graph` of a movie ranked from its whole matrix (the
    dense ranking): ``indices``, ``distances`` and its report."""
    seconds = {}
    with timed(seconds, "matrix"):
        # The matrix of so few frames is small: under 1,000² numbers for k ≤ 150.
        matrix = compute_distances(frames, metric, mask)
        indices = nearest_frames(matrix, k)
        found = np.take_along_axis(matrix, indices.astype(np.intp), axis=1)
    return indices, found, {"every_pair": True, "seconds": seconds}


class PassSizes(NamedTuple):
    """How :func:`first_pass` works: candidates a frame re-ranks at ``least``
    and keeps at ``most``; :func:`candidate_graph`'s ``factor``,
    ``tile_frames``, ``rerank_rows`` and ``cell_frames``."""

    least: int
    most: int
    factor: int | None
    tile_frames: int
    rerank_rows: int
    cell_frames: int | None


class FirstPass(NamedTuple):
    """What :func:`first_pass` found: the ``reduced`` frames, the candidates
    (``merged``, a :class:`NearestMerge`), the reduced distances'
    ``heatmap`` (a :class:`CellSums`, or None), the first re-rank's
    ``indices`` and ``distances``, the ``report`` so far and the ``seconds``
    each step took."""

    reduced: dict
    merged: object
    heatmap: object
    indices: np.ndarray
    distances: np.ndarray
    report: dict
    seconds: dict


def first_pass(frames, metric, k, sampled, sizes, mask):
    """Every frame reduced, its candidates by reduced distance, (``sampled``)
    how many of them a sample of frames needs, and their first re-rank at
    full size, timed per step."""
    seconds, report = {}, {}
    with timed(seconds, "reduce"):
        reduced = reduced_descriptors(frames, metric, sizes.factor, mask)
    with timed(seconds, "candidates"):
        merged, heatmap = candidate_pass(
            reduced, metric, sizes.most, sizes.tile_frames, sizes.cell_frames
        )
    if sampled:
        with timed(seconds, "sample"):
            report["sample"] = choose_candidates(
                frames, metric, k, merged, sizes.least, mask
            )
    with timed(seconds, "rerank"):
        indices, distances = rerank_all(
            frames, metric, k, merged.frames, mask, rerank_rows=sizes.rerank_rows
        )
    report["first"] = indices.copy()
    if k:
        report["certified"] = certified(merged.distances, distances[:, -1], reduced)
    return FirstPass(reduced, merged, heatmap, indices, distances, report, seconds)


def exact_pass(frames, metric, first, sizes, mask, max_share):
    """The first pass's graph made exact in place (:func:`second_pass`),
    timed, its report added to the first pass's."""
    with timed(first.seconds, "complete"):
        first.report.update(
            second_pass(
                frames,
                metric,
                first.reduced,
                first.indices,
                first.distances,
                first.merged.frames,
                first.merged.distances,
                mask=mask,
                tile_frames=sizes.tile_frames,
                rerank_rows=sizes.rerank_rows,
                max_share=max_share,
            )
        )


def run_jobs(frames_npy, folder, metric, k, tile_frames, threads=2):
    """The three jobs of a metric's graph one after the other, reading and
    writing files in ``folder`` as the workflow's do, each asking for
    ``threads``: ``(graph .npz path, heatmap path, the re-ranks' rows)``."""
    folder.mkdir()
    outputs = SimpleNamespace(
        candidates=folder / "candidates.npz",
        reduced=folder / "reduced.npz",
        heatmap=folder / "heatmap.npy",
    )
    graph_jobs.candidates_step(
        frames_npy, outputs, "bikes", metric, k, None, threads
    )
    n = len(np.load(frames_npy, mmap_mode="r"))
    parts = [folder / f"rerank_{block}.npz" for block in range(-(-n // tile_frames))]
    for block, part in enumerate(parts):
        graph_jobs.rerank_step(
            frames_npy,
            outputs.candidates,
            part,
            "bikes",
            metric,
            block,
            k,
            None,
            tile_frames,
            threads,
        )
    output = folder / "graph.npz"
    graph_jobs.graph_step(
        frames_npy,
        outputs.reduced,
        outputs.candidates,
        parts,
        output,
        "bikes",
        metric,
        k,
        None,
        threads,
    )
    rows = [np.load(part)["rows"] for part in parts]
    return output, outputs.heatmap, rows
