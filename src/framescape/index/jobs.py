"""The index's rules' steps: ``index_build`` (the projections, the index, the
order the frames are searched in and how many candidates each re-ranks),
``index_search`` (one block of frames searched and re-ranked at full size),
for the metric refined (gray) ``index_join`` (the searched neighbours as one
array, and every frame's luma) and ``index_refine`` (one block's neighbours
refined through their neighbours' nearest), and ``index_graph`` (the blocks
put together). The method: :mod:`framescape.index`."""

import logging
import time

import faiss
import numba
import numpy as np

from framescape.common import Progress, atomic_path, log, save_npz
from framescape.distances.jobs import load_movie_frames
from framescape.graph.parameters import (
    RECALL_TARGET,
    RERANK_ROWS,
    candidate_count,
    candidate_limit,
)
from framescape.graph.rerank import group_rows, rerank, split_groups
from framescape.index.build import (
    fit_projection,
    list_order,
    project_frames,
    sampled_candidates,
    search,
    train_index,
    training_frames,
)
from framescape.index.parameters import REFINE_ROUNDS, REFINE_WIDTH, block_range
from framescape.index.refine import (
    held_share,
    kept_counts,
    kept_share,
    neighbours_of_neighbours,
    rerank_luma,
    save_luma,
)
from framescape.run.progress import watching
from framescape.threads import faiss_threads


def build_step(frames_npy, outputs, movie, metric, k, mask, threads):
    """Rule ``index_build``: every frame projected (``outputs.projected``,
    ``(N, d) float32``), the index (``outputs.index``) and the plan
    (``outputs.plan``: ``order``, the frames in the order the search jobs take
    them, ``count``, candidates a frame re-ranks, and ``sampled_rows`` and
    ``truth``, the sample's frames and their true ``k`` nearest, which
    ``index_graph`` measures the graph by)."""
    frames, mask = load_movie_frames(frames_npy, mask, movie, threads)
    n = len(frames)
    started = time.monotonic()
    with watching(f"{metric} projection of {movie}"):
        projection = fit_projection(frames, metric, training_frames(n), mask=mask)
    with atomic_path(outputs.projected) as path:
        projected = np.lib.format.open_memmap(
            path, "w+", np.float32, (n, projection.d_out)
        )
        project_frames(
            frames,
            metric,
            projection,
            projected,
            mask,
            Progress(f"{metric} projecting {movie}"),
        )
        projected.flush()
    log.info(
        "%s: %d frames reduced and projected onto %d components in %.1f s",
        metric,
        n,
        projection.d_out,
        time.monotonic() - started,
    )
    faiss_threads(threads)
    started = time.monotonic()
    with watching(f"{metric} index of {movie}"):
        index = train_index(projected)
        order = list_order(index)
    log.info(
        "%s: index of %d lists (%d frames each on average, %d searched a frame) "
        "in %.1f s",
        metric,
        index.nlist,
        n / index.nlist,
        index.nprobe,
        time.monotonic() - started,
    )
    sample = choose_count(frames, metric, k, index, projected, mask, movie)
    with atomic_path(outputs.index) as path:
        faiss.write_index(index, str(path))
    save_npz(
        outputs.plan,
        order=order,
        count=np.int64(sample["count"]),
        sampled_rows=sample["rows"],
        truth=sample["truth"],
    )


def choose_count(frames, metric, k, index, projected, mask, movie):
    """How many candidates a frame re-ranks (:func:`sampled_candidates`), and
    the recall the sample estimates logged: a warning under the target."""
    n = len(frames)
    least, limit = candidate_count(metric, k, n), candidate_limit(metric, k, n)
    started = time.monotonic()
    sample = sampled_candidates(
        frames,
        metric,
        k,
        index,
        projected,
        least,
        limit,
        mask,
        Progress(f"{metric} sample of {movie} at full size"),
    )
    log.log(
        logging.WARNING if sample["recall"] < RECALL_TARGET else logging.INFO,
        "%s: %d of the %d nearest in the index are re-ranked: they hold %.4f of "
        "the true %d nearest of %d frames compared with every frame at full size "
        "(the search's estimated recall; at least %.3f wanted) in %.1f s",
        metric,
        sample["count"],
        limit,
        sample["recall"],
        k,
        sample["sampled"],
        RECALL_TARGET,
        time.monotonic() - started,
    )
    return sample


def search_step(
    frames_npy, inputs, output, movie, metric, block, k, mask, tile_frames, threads
):
    """Rule ``index_search``: the frames of block ``block`` of the plan's order
    searched in the index and their candidates re-ranked at full size, in
    groups of :data:`RERANK_ROWS` (``rows``, ``indices``, ``distances``)."""
    frames, mask = load_movie_frames(frames_npy, mask, movie, threads)
    faiss_threads(threads)
    n = len(frames)
    with np.load(inputs.plan) as plan:
        order, count = plan["order"], int(plan["count"])
    rows = order[slice(*block_range(block, n, tile_frames))]
    index = faiss.read_index(inputs.index)
    projected = np.load(inputs.projected, mmap_mode="r")
    started = time.monotonic()
    # One more: the frame itself, which the re-rank skips.
    candidates = search(index, projected[rows], count + 1, n)
    searched = time.monotonic() - started
    started = time.monotonic()
    indices, distances = rerank_block(
        frames,
        metric,
        k,
        rows,
        candidates,
        mask,
        Progress(f"{metric} search {block} of {movie}"),
    )
    log.info(
        "%s: %d frames searched in the index (%.1f s), %d candidates each "
        "re-ranked at full size (%.1f s)",
        metric,
        len(rows),
        searched,
        count,
        time.monotonic() - started,
    )
    save_npz(output, rows=rows, indices=indices, distances=distances)


def rerank_block(
    frames, metric, k, rows, candidates, mask=None, progress=None, step=rerank
):
    """Each of ``rows``' ``k`` nearest among its ``candidates`` ``(B, c)`` at
    full size (:func:`rerank`), in groups of at most :data:`RERANK_ROWS` rows
    whose candidates overlap (:func:`group_rows` over the block's own rows), so
    that a group reads few frames in all (and :func:`rerank` compares its rows
    with few): ``(B, k) int32`` indices, ``(B, k) float32`` distances;
    ``progress(frames, B, "frames")``. ``step``: a group's re-rank,
    :func:`rerank` or one giving its result."""
    n, count = len(frames), len(rows)
    # Each frame's place in the block (count: not in it, or none).
    place = np.full(n + 1, count, np.int32)
    place[rows] = np.arange(count, dtype=np.int32)
    # A group compares its rows with their union of candidates (rerank), or
    # reads its candidates' pages together (rerank_luma).
    order, sizes = group_rows(place[candidates], np.ones(count, bool), RERANK_ROWS)
    indices = np.empty((count, k), np.int32)
    distances = np.empty((count, k), np.float32)
    done = 0
    for group in split_groups(order, sizes):
        indices[group], distances[group] = step(
            frames, metric, k, rows[group], candidates[group], mask
        )
        done += len(group)
        if progress:
            progress(done, count, "frames")
    return indices, distances


def refine_step(inputs, output, movie, metric, block, k, tile_frames, threads):
    """Rule ``index_refine``: the frames of block ``block`` (consecutive
    frames, as many as ``index_search``'s: a frame's neighbours are mostly
    near it in its movie, so a block holds them and its groups share their
    candidates) refined through their neighbours' neighbours
    (:func:`refine_block`), from the searched graph (``inputs.searched``) and
    every frame's luma (``inputs.luma``), :func:`join_step`'s, both
    memory-mapped: a job reads the rows it needs. ``rows``, ``indices``,
    ``distances``, as ``index_search`` writes them."""
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    luma = np.load(inputs.luma, mmap_mode="r")
    start, stop = block_range(block, len(luma), tile_frames)
    searched = np.load(inputs.searched, mmap_mode="r")
    label = f"{metric} refining {block} of {movie}"
    started = time.monotonic()
    indices, distances = refine_block(luma, metric, k, searched, start, stop, label)
    log.info("%s: done in %.1f s", label, time.monotonic() - started)
    save_npz(output, rows=np.arange(start, stop), indices=indices, distances=distances)


def refine_block(luma, metric, k, searched, start, stop, label="refining"):
    """Frames ``start`` to ``stop`` re-ranked at full size (``luma``, every
    frame's: :func:`rerank_luma`) among their neighbours and their first
    :data:`REFINE_WIDTH` neighbours' first as many
    (:func:`neighbours_of_neighbours`), grouped as ``index_search``'s
    (:func:`rerank_block`), in up to :data:`REFINE_ROUNDS` rounds (one at
    least): each next round takes again the frames whose neighbours the last
    one changed, through the block's neighbours as refined so far and the
    searched graph's for the frames outside it. So the refined graph depends
    a little on where the blocks are cut (``tile_frames``). A frame keeps a
    neighbour unless a nearer one is found. ``(B, k)`` indices (the searched
    graph's type) and ``float32`` distances, exact whatever the groups."""
    width = REFINE_WIDTH[metric]
    indices = np.array(searched[start:stop])
    distances = np.empty(indices.shape, np.float32)
    todo = np.arange(start, stop)
    for round_number in range(1, max(REFINE_ROUNDS, 1) + 1):
        candidates = neighbours_of_neighbours(searched, todo, width, indices, start)
        widest = candidates.shape[1]
        found, found_at = rerank_block(
            luma,
            metric,
            k,
            todo,
            candidates,
            None,
            Progress(f"{label}, round {round_number}"),
            rerank_luma,
        )
        # A round's lists go before the next are made: the job's memory ask
        # counts one round's.
        del candidates
        places = todo - start
        changed = kept_counts(indices[places], found) < k
        indices[places], distances[places] = found, found_at
        del found, found_at
        log.info(
            "%s, round %d: %d frames re-ranked among their neighbours' "
            "neighbours (%d candidates at most): %d with new neighbours",
            label,
            round_number,
            len(todo),
            widest,
            changed.sum(),
        )
        todo = todo[changed]
        if not len(todo):
            break
    log.info(
        "%s: %d frames through each one's first %d neighbours' first %d, "
        "rounds: %d, frames still gaining neighbours in the last: %d; %.2f %% "
        "of their %d nearest are new",
        label,
        stop - start,
        width,
        width,
        round_number,
        len(todo),
        100 * (1 - kept_share(searched[start:stop], indices)),
        k,
    )
    return indices, distances


def join_step(frames_npy, parts, outputs, movie, metric, n, k, mask):
    """Rule ``index_join``: the searched blocks' neighbours ``(n, k) int32``
    in frame order (``outputs.searched``), one ``.npy`` the refine jobs each
    map, instead of each joining every block (a million frames: 4 s a job,
    16 jobs), and every frame's luma (``outputs.luma``, :func:`save_luma`),
    which they re-rank with: made once, where each group of their rows made
    its candidates' again (at a million frames, a block's groups made about
    1.6 million frames' luma, from most of the folder's pages)."""
    if metric != "gray":
        raise ValueError(f"only gray's graph is refined, not {metric}'s")
    frames, mask = load_movie_frames(frames_npy, mask, movie, 1)
    if len(frames) != n:
        raise ValueError(f"{frames_npy} holds {len(frames)} frames, not {n}")
    with atomic_path(outputs.searched, suffix=".npy") as path:
        searched = np.lib.format.open_memmap(path, "w+", np.int32, (n, k))
        join_rows(parts, n, {"indices": searched})
        searched.flush()
        del searched
    log.info("%d frames' %d searched neighbours from %d blocks", n, k, len(parts))
    started = time.monotonic()
    with atomic_path(outputs.luma, suffix=".npy") as path:
        save_luma(frames, mask, path, Progress(f"{metric} luma of {movie}"))
    log.info(
        "%d frames' luma made for the refinement in %.1f s",
        n,
        time.monotonic() - started,
    )


def join_rows(parts, n, outputs):
    """The blocks ``parts`` (files of ``rows`` and, for each name of
    ``outputs``, their values) put together: ``outputs[name][rows]`` set to
    each part's ``name``, in the arrays given (or a memmap of the file being
    written). Each page is then written once: filled first and copied to a
    file after, each would be new memory twice, and a virtual machine may be
    lent its memory as it is first touched (docs/performance.md, "Memory lent
    as it is first touched"). Fails unless
    the parts hold each of the ``n`` frames once, and where a part lists fewer
    neighbours than asked (``indices`` holding ``n``)."""
    held = np.zeros(n, np.int64)
    for path in parts:
        with np.load(path) as part:
            rows = part["rows"]
            if len(rows) and (rows.min() < 0 or rows.max() >= n):
                raise ValueError(f"{path} holds frames outside 0 to {n - 1}")
            held += np.bincount(rows, minlength=n)
            for name, out in outputs.items():
                values = part[name]
                if name == "indices" and (values >= n).any():
                    raise ValueError(f"{path} lists fewer neighbours than asked")
                out[rows] = values
    if (held != 1).any():
        raise ValueError(f"blocks {parts} do not hold each of the {n} frames once")


def graph_step(parts, plan_npz, output, n, metric, k):
    """Rule ``index_graph``: the refined (or searched) blocks put together, the
    folder's neighbour graph (``indices``, ``distances``, as
    :func:`framescape.graph.jobs.graph_step` writes it), and its recall of the
    sampled frames' true nearest (the plan's) logged: a warning under the
    target."""
    indices, distances = np.empty((n, k), np.int32), np.empty((n, k), np.float32)
    join_rows(parts, n, {"indices": indices, "distances": distances})
    save_npz(output, indices=indices, distances=distances)
    with np.load(plan_npz) as plan:
        sampled, truth = plan["sampled_rows"], plan["truth"]
    recall = held_share(indices, sampled, truth)
    log.log(
        logging.WARNING if recall < RECALL_TARGET else logging.INFO,
        "%s neighbour graph of %d frames from %d blocks: %d nearest "
        "each, nearest distance median %.4g, %d-th %.4g; it holds %.4f of the "
        "true %d nearest of the %d sampled frames (at least %.3f wanted)",
        metric,
        n,
        len(parts),
        k,
        float(np.median(distances[:, 0])) if k else 0.0,
        k,
        float(np.median(distances[:, -1])) if k else 0.0,
        recall,
        k,
        len(sampled),
        RECALL_TARGET,
    )
