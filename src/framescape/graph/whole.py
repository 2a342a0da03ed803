"""The neighbour graph in one process (:func:`candidate_graph`): the four passes
one after the other, for the benchmarks and the tests; the workflow splits the
same passes into jobs (:mod:`framescape.graph.jobs`)."""


import time

import numpy as np

from framescape.distances.matrices import (
    check_frames,
    compute_distances,
)
from framescape.distances.nearest import nearest_frames
from framescape.graph.candidates import candidate_pass
from framescape.graph.parameters import (
    COMPLETE,
    candidate_count,
    candidate_limit,
)
from framescape.graph.reduce import reduced_descriptors
from framescape.graph.rerank import rerank_all
from framescape.graph.resources import CANDIDATE_TILE, RERANK_ROWS
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
