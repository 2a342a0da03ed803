"""The neighbour graph's rules' steps: ``graph_candidates`` (the reduced frames,
their candidates, the sample that chooses how many each frame re-ranks, the
heatmap's block averages and the groups of frames whose candidates overlap),
``graph_rerank`` (one block of groups at full size) and ``neighbour_graph``
(the blocks put together, and for gray the second pass). The method:
:mod:`framescape.graph`."""

import logging
import time

import numpy as np

from framescape.common import Progress, log, npy_shape, save_npy, save_npz
from framescape.distances.jobs import load_movie_frames
from framescape.distances.tiles import heatmap_cells, tile_range
from framescape.graph.candidates import candidate_pass
from framescape.graph.parameters import (
    COMPLETE,
    RECALL_TARGET,
    RERANK_ROWS,
    candidate_count,
    candidate_limit,
)
from framescape.graph.reduce import reduced_descriptors
from framescape.graph.rerank import group_rows, rerank_groups, split_groups
from framescape.graph.sample import choose_candidates
from framescape.graph.second_pass import second_pass


def candidates_step(frames_npy, outputs, movie, metric, k, mask, threads):
    """Rule ``graph_candidates``: every frame reduced (``outputs.reduced``),
    its candidates (``outputs.candidates``: ``frames`` and reduced
    ``distances`` ``(N, c)``, as many as a sample of frames needs:
    :func:`framescape.graph.sample.choose_candidates`) and the heatmap of the reduced
    distances (``outputs.heatmap``)."""
    frames, mask = load_movie_frames(frames_npy, mask, movie, threads)
    n = len(frames)
    least, kept = candidate_count(metric, k, n), candidate_limit(metric, k, n)
    reduced = reduce_frames(frames, metric, mask, movie)
    merged, heatmap = reduced_candidates(reduced, metric, kept, movie)
    sample_candidates(frames, metric, k, merged, least, kept, mask, movie)
    order, sizes = group_rows(merged.frames, np.ones(n, bool), RERANK_ROWS)
    log.info(
        "%s: %d groups of frames to re-rank, %.0f frames each on average",
        metric,
        len(sizes),
        sizes.mean() if len(sizes) else 0,
    )
    save_npz(outputs.reduced, **reduced)
    save_npz(
        outputs.candidates,
        frames=merged.frames,
        distances=merged.distances,
        order=order,
        sizes=sizes,
    )
    save_npy(outputs.heatmap, heatmap.heatmap())


def reduce_frames(frames, metric, mask, movie):
    """Every frame reduced (:func:`reduced_descriptors`), the time it took logged."""
    n = len(frames)
    started = time.monotonic()
    reduced = reduced_descriptors(
        frames, metric, mask=mask, progress=Progress(f"{metric} reducing {movie}")
    )
    log.info(
        "%s: %d frames reduced to %d numbers each in %.1f s",
        metric,
        n,
        reduced["descriptors"].shape[1],
        time.monotonic() - started,
    )
    return reduced


def reduced_candidates(reduced, metric, kept, movie):
    """Each frame's ``kept`` nearest by reduced distance and the heatmap of
    those distances (:func:`candidate_pass`)."""
    n = len(reduced["descriptors"])
    started = time.monotonic()
    cell_frames, cells = heatmap_cells(n)
    merged, heatmap = candidate_pass(
        reduced,
        metric,
        kept,
        cell_frames=cell_frames,
        progress=Progress(f"{metric} candidates of {movie}"),
    )
    log.info(
        "%s: %d candidates kept for each of %d frames from %s reduced pairs in "
        "%.1f s; heatmap of %d x %d cells",
        metric,
        kept,
        n,
        f"{n * (n - 1) // 2:,}",
        time.monotonic() - started,
        cells,
        cells,
    )
    return merged, heatmap


def sample_candidates(frames, metric, k, merged, least, kept, mask, movie):
    """How many of its ``kept`` candidates each frame re-ranks, chosen by a
    sample (:func:`choose_candidates`, which cuts ``merged`` to them), and the
    recall they hold logged: a warning when it falls short of
    :data:`RECALL_TARGET` and no second pass makes up for it."""
    started = time.monotonic()
    sample = choose_candidates(
        frames,
        metric,
        k,
        merged,
        least,
        mask,
        progress=Progress(f"{metric} sample of {movie} at full size"),
    )
    # gray's second pass makes the graph exact (unless it is skipped, which
    # its own log says): the sample's share is then the first re-rank's only.
    short = sample["recall"] < RECALL_TARGET and not COMPLETE[metric]
    log.log(
        logging.WARNING if short else logging.INFO,
        "%s: %d of the %d candidates a frame are re-ranked: they hold %.4f of the "
        "true %d nearest of %d frames compared with every frame at full size "
        "(%s; at least %.3f wanted) in %.1f s",
        metric,
        sample["count"],
        kept,
        sample["recall"],
        k,
        sample["sampled"],
        "the first re-rank's recall, before the second pass"
        if COMPLETE[metric]
        else "the graph's estimated recall",
        RECALL_TARGET,
        time.monotonic() - started,
    )
    return sample


def rerank_step(
    frames_npy,
    candidates_npz,
    output,
    movie,
    metric,
    block,
    k,
    mask,
    tile_frames,
    threads,
):
    """Rule ``graph_rerank``: the ``k`` nearest among their candidates, at full
    size, of the groups of frames (:func:`group_rows`) that start in
    block ``block`` of the groups' order (``rows``, ``indices``,
    ``distances``). A group is never split, so the jobs' results do not depend
    on ``tile_frames``."""
    frames, mask = load_movie_frames(frames_npy, mask, movie, threads)
    n = len(frames)
    with np.load(candidates_npz) as stored:
        listed, order, sizes = stored["frames"], stored["order"], stored["sizes"]
    first, last = tile_range(int(block), n, tile_frames)
    starts = np.cumsum(sizes) - sizes
    groups = [
        group
        for start, group in zip(starts, split_groups(order, sizes))
        if first <= start < last
    ]
    started = time.monotonic()
    rows, indices, distances = rerank_groups(
        frames,
        metric,
        k,
        listed,
        groups,
        mask,
        progress=Progress(f"{metric} re-rank {block} of {movie}"),
    )
    log.info(
        "%s: %d frames in %d groups, %d candidates each, re-ranked at full size "
        "in %.1f s",
        metric,
        len(rows),
        len(groups),
        listed.shape[1],
        time.monotonic() - started,
    )
    save_npz(output, rows=rows, indices=indices, distances=distances)


def graph_step(
    frames_npy,
    reduced_npz,
    candidates_npz,
    parts,
    output,
    movie,
    metric,
    k,
    mask,
    threads,
):
    """Rule ``neighbour_graph``: the re-ranked blocks put together, the movie's
    ``graph/<metric>.npz`` (``indices``, ``distances``); a metric whose second
    pass runs (:data:`framescape.graph.parameters.COMPLETE`) is made exact first."""
    n = npy_shape(frames_npy)[0]
    indices, distances = joined_blocks(parts, n, k)
    if COMPLETE[metric] and k:
        frames, mask = load_movie_frames(frames_npy, mask, movie, threads)
        with np.load(reduced_npz) as stored:
            reduced = dict(stored)
        with np.load(candidates_npz) as stored:
            candidates, candidate_distances = stored["frames"], stored["distances"]
        exact_graph(
            frames,
            metric,
            reduced,
            indices,
            distances,
            candidates,
            candidate_distances,
            mask,
            movie,
        )
    save_npz(output, indices=indices, distances=distances)
    log.info(
        "%s neighbour graph of %d frames from %d blocks: %d nearest each, "
        "nearest distance median %.4g, %d-th %.4g",
        metric,
        n,
        len(parts),
        k,
        float(np.median(distances[:, 0])) if k else 0.0,
        k,
        float(np.median(distances[:, -1])) if k else 0.0,
    )


def joined_blocks(parts, n, k):
    """The re-ranked blocks ``parts`` (:func:`rerank_step`'s files) as one
    graph of ``n`` frames: ``indices`` ``(n, k) int32`` and ``distances``
    ``(n, k) float32``. Fails unless they hold each frame once."""
    indices = np.full((n, k), n, np.int32)
    distances = np.full((n, k), np.inf, np.float32)
    row_lists = []
    for path in parts:
        with np.load(path) as part:
            row_lists.append(part["rows"])
            indices[part["rows"]] = part["indices"]
            distances[part["rows"]] = part["distances"]
    if (indices == n).any() or sum(len(part) for part in row_lists) != n:
        raise ValueError(
            f"re-ranked blocks {parts} do not hold each of the {n} frames once"
        )
    return indices, distances


def exact_graph(
    frames,
    metric,
    reduced,
    indices,
    distances,
    candidates,
    candidate_distances,
    mask,
    movie,
):
    """The first re-rank's graph made exact in place (:func:`second_pass`),
    what it did logged: a warning when it was skipped or left frames
    inexact."""
    started = time.monotonic()
    first = indices.copy()
    report = second_pass(
        frames,
        metric,
        reduced,
        indices,
        distances,
        candidates,
        candidate_distances,
        mask=mask,
        progress=Progress(f"{metric} second pass of {movie}"),
    )
    if report["skipped"]:
        log.warning(
            "%s: %.1f %% of frames certified by the first re-rank: too few for "
            "a second pass (it would compare the others with every frame "
            "again); the graph is the first re-rank's",
            metric,
            100 * report["certified"].mean(),
        )
    else:
        log.info(
            "%s: %.1f %% of frames certified by the first re-rank; the second "
            "pass re-ranked %d more candidates, changed %d frames' lists, in "
            "%.1f s",
            metric,
            100 * report["certified"].mean(),
            report["missing"],
            int((first != indices).any(axis=1).sum()),
            time.monotonic() - started,
        )
    if report["inexact"]:
        log.warning(
            "%s: %d frames have more near frames than the second pass takes "
            "(a long still shot?): their lists are the best of %d candidates "
            "and may miss a true neighbour",
            metric,
            report["inexact"],
            2 * candidates.shape[1],
        )
