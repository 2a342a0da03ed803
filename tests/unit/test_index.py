"""The folder map's neighbour graph through an index (framescape.index): its
jobs one after the other on real frames, against the exact graph."""

import itertools
import logging
import tracemalloc
from types import SimpleNamespace

import numpy as np
import pytest

from framescape.common import Progress, save_npz
from framescape.distances import kernels
from framescape.distances.matrices import check_frames, compute_distances, pixel_block
from framescape.distances.nearest import nearest_frames
from framescape.distances.parameters import FRAME_BLOCK
from framescape.frames.decode import MovieDecoder
from framescape.graph.jobs import joined_blocks
from framescape.graph.parameters import RECALL_SAMPLE, RECALL_TARGET
from framescape.graph.rerank import rerank
from framescape.graph.resources import GRAPH_FIXED
from framescape.graph.sample import candidates_needed, exact_nearest, sampled_frames
from framescape.index import build, jobs, parameters, refine
from framescape.index.parameters import search_blocks
from framescape.index.refine import held_share
from framescape.index.resources import MEASURED_MARGIN, refine_mapped, refine_memory
from framescape.testing import DEMO_MOVIE, run_with_threads

K = 30


@pytest.fixture(scope="module")
def folder_frames(tmp_path_factory, bikes):
    """A small folder at the folder map's size, 40×30: the demo at 2 fps and
    bikes.mp4 at 12.5 fps (855 frames), as a .npy the jobs memmap."""
    movies = [MovieDecoder(DEMO_MOVIE, 2, 40, 30), MovieDecoder(bikes, 12.5, 40, 30)]
    frames = np.concatenate([np.stack(list(movie)) for movie in movies])
    path = tmp_path_factory.mktemp("index") / "frames.npy"
    np.save(path, frames)
    return path, frames


def index_graph(frames_npy, folder, metric, tile_frames):
    """The index's jobs' steps, as the workflow runs them: the graph's
    ``(indices, distances)``, the plan's candidate count and the searched
    graph before its refinement ``(indices, distances)``."""
    outputs = SimpleNamespace(
        projected=str(folder / f"{metric}_projected.npy"),
        index=str(folder / f"{metric}.faiss"),
        plan=str(folder / f"{metric}_plan.npz"),
    )
    jobs.build_step(frames_npy, outputs, "collection", metric, K, None, 2)
    n = len(np.load(frames_npy, mmap_mode="r"))
    parts, refined = [], []
    blocks = range(search_blocks(n, tile_frames))
    for block in blocks:
        part = str(folder / f"{metric}_{tile_frames}_search_{block}.npz")
        jobs.search_step(
            frames_npy, outputs, part, "collection", metric, block, K, None,
            tile_frames, 2,
        )
        parts.append(part)
    inputs = SimpleNamespace(
        searched=str(folder / f"{metric}_{tile_frames}.npy"),
        luma=str(folder / f"{metric}_{tile_frames}_luma.npy"),
    )
    if parameters.refined(metric):
        jobs.join_step(frames_npy, parts, inputs, "collection", metric, n, K, None)
    for block in blocks if parameters.refined(metric) else ():
        refined.append(str(folder / f"{metric}_{tile_frames}_refine_{block}.npz"))
        jobs.refine_step(
            inputs, refined[-1], "collection", metric, block, K, tile_frames, 2
        )
    output = folder / f"{metric}_{tile_frames}_graph.npz"
    jobs.graph_step(refined or parts, outputs.plan, str(output), n, metric, K)
    with np.load(output) as graph, np.load(outputs.plan) as plan:
        searched = joined_blocks(parts, n, K)
        if parameters.refined(metric):
            assert (np.load(inputs.searched) == searched[0]).all()
        return graph["indices"], graph["distances"], int(plan["count"]), searched


@pytest.fixture(scope="module", params=["gray", "hsl"])
def searched(request, folder_frames, tmp_path_factory):
    """Both graphs of one metric, the lists small enough that each frame is
    searched in a few of them only (8 of 53): one block, and blocks of 256
    frames (tile_frames 16)."""
    patch = pytest.MonkeyPatch()
    patch.setattr(parameters, "LIST_FRAMES", 16)
    patch.setattr(build, "PROBES", 8)
    folder = tmp_path_factory.mktemp(f"index_{request.param}")
    path, frames = folder_frames
    try:
        whole = index_graph(path, folder, request.param, 4096)
        blocks = index_graph(path, folder, request.param, 16)
    finally:
        patch.undo()
    return request.param, frames, whole, blocks


def test_the_index_finds_nearly_every_true_neighbour(searched):
    """At least 0.97 of each frame's true 30 nearest, with the metric's own
    distances, nearest first, already in the searched graph."""
    metric, frames, (indices, distances, count, (before, _)), _ = searched
    matrix = compute_distances(frames, metric)
    truth = nearest_frames(matrix, K)
    rows = np.arange(len(frames))
    assert held_share(before, rows, truth) >= 0.97
    assert held_share(indices, rows, truth) >= held_share(before, rows, truth)
    # Candidates are re-ranked at full size: each stored distance is the matrix's.
    stored = np.take_along_axis(matrix, indices.astype(np.int64), axis=1)
    assert np.allclose(distances, stored, rtol=0, atol=5e-5 if metric == "hsl" else 0)
    assert (np.diff(distances, axis=1) >= 0).all()
    assert (indices != np.arange(len(frames))[:, None]).all()
    assert K < count < len(frames) - 1


def test_blocks_of_frames_give_the_same_graph(searched):
    """A job's block decides nothing in the search: one block and four give
    one searched graph (a block, 16 × tile_frames frames, is a whole number
    of re-rank groups). The refinement's later rounds read the block's own
    refined lists, so its graph may differ a little."""
    _, frames, whole, blocks = searched
    assert search_blocks(len(frames), 16) == 4
    (one, one_at), (four, four_at) = whole[3], blocks[3]
    assert (one == four).all() and (one_at == four_at).all()
    assert refine.kept_share(whole[0], blocks[0]) > 0.99


def test_refining_keeps_each_neighbour_unless_a_nearer_one_is_found(searched):
    """The refined graph against the searched one: no frame's i-th distance
    grows, and none of the true nearest is lost."""
    metric, frames, (indices, distances, _, (before, before_distances)), _ = searched
    if not parameters.refined(metric):
        pytest.skip(f"{metric} is not refined")
    assert (distances <= before_distances).all()
    truth = nearest_frames(compute_distances(frames, metric), K)
    rows = np.arange(len(frames))
    assert held_share(indices, rows, truth) >= held_share(before, rows, truth)


def test_refining_finds_the_neighbours_a_search_missed(
    folder_frames, tmp_path, caplog, monkeypatch
):
    """A searched graph that lost the 10th to 30th nearest of every third frame
    (the farthest frames in their place): refine_step finds most of them again
    through the frames' first neighbours, and index_graph logs the share of the
    plan's sampled frames' true nearest that the graph holds."""
    path, frames = folder_frames
    n, metric = len(frames), "gray"
    matrix = compute_distances(frames, metric)
    truth = nearest_frames(matrix, K)
    damaged = truth.copy()
    farthest = np.argsort(matrix, axis=1, kind="stable")[:, -(K - 10):]
    damaged[::3, 10:] = farthest[::3]
    rows = np.arange(n)
    stored = np.take_along_axis(matrix, damaged.astype(np.int64), axis=1)
    parts = [str(tmp_path / "search_0.npz")]
    save_npz(parts[0], rows=rows, indices=damaged, distances=stored)
    inputs = SimpleNamespace(
        searched=str(tmp_path / "searched.npy"), luma=str(tmp_path / "luma.npy")
    )
    jobs.join_step(path, parts, inputs, "collection", metric, n, K, None)
    sampled = np.arange(0, n, 3)
    plan = str(tmp_path / "plan.npz")
    save_npz(
        plan, order=rows, count=np.int64(K), sampled_rows=sampled, truth=truth[sampled]
    )
    # Through 16 neighbours' 16: fewer candidates than 32's reach this small
    # folder's every frame.
    monkeypatch.setitem(parameters.REFINE_WIDTH, metric, 16)
    refined = str(tmp_path / "refine_0.npz")
    jobs.refine_step(inputs, refined, "collection", metric, 0, K, 4096, 1)
    with np.load(refined) as part:
        assert (part["rows"] == rows).all()
        indices, distances = part["indices"], part["distances"]
    before, after = held_share(damaged, rows, truth), held_share(indices, rows, truth)
    assert before < 0.8 and after > 0.93, (before, after)
    assert (distances <= stored).all()
    # Each later round takes again exactly the frames whose neighbours the
    # round before changed, and finds more than one round.
    rounds = rounds_of(inputs, tmp_path, metric, monkeypatch)
    assert len(rounds) >= 2 and (rounds[0][0] == rows).all()
    lists = damaged.copy()
    for (taken, found), (again, _) in itertools.pairwise(rounds):
        changed = [set(a) != set(b) for a, b in zip(lists[taken], found)]
        assert 0 < len(again) < len(taken)
        assert (again == taken[changed]).all()
        lists[taken] = found
    monkeypatch.setattr(jobs, "REFINE_ROUNDS", 1)
    once = str(tmp_path / "refine_once.npz")
    jobs.refine_step(inputs, once, "collection", metric, 0, K, 4096, 1)
    with np.load(once) as part:
        assert (distances <= part["distances"]).all()
        assert after > held_share(part["indices"], rows, truth)
    # index_graph measures what it joins by the plan's sample: the damaged
    # graph holds 10 of the 30 true nearest of each sampled frame (a warning).
    for part, share in ((parts[0], 10 / K), (refined, None)):
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="framescape"):
            jobs.graph_step([part], plan, str(tmp_path / "graph.npz"), n, metric, K)
        if share is None:
            share = held_share(indices, sampled, truth[sampled])
        line = caplog.records[-1]
        wanted = f"it holds {share:.4f} of the true {K} nearest of the {len(sampled)}"
        assert wanted in line.getMessage()
        warned = logging.WARNING if share < RECALL_TARGET else logging.INFO
        assert line.levelno == warned


def test_a_frames_candidates_are_its_neighbours_and_theirs():
    """neighbours_of_neighbours against sets: each listed once, the frame
    itself never, in order, padded with N; a short list's padding followed
    nowhere."""
    rng = np.random.default_rng(5)
    n, k, width = 500, 6, 3
    graph = np.array([rng.choice(n, k, replace=False) for _ in range(n)], np.int32)
    graph[::11, 1] = n  # a short list's padding, among the first width
    rows = rng.choice(n, 600, replace=True)
    found = refine.neighbours_of_neighbours(graph, rows, width)
    assert found.dtype == np.int32 and found.shape[1] <= k + width * width
    for row, listed in zip(rows, found):
        firsts = [frame for frame in graph[row][:width] if frame < n]
        wanted = set(graph[row]) | set(graph[firsts][:, :width].ravel())
        wanted -= {row, n}
        assert listed[: len(wanted)].tolist() == sorted(wanted)
        assert (listed[len(wanted) :] == n).all()
    # A width past the graph's k takes every neighbour; no rows, no candidates.
    wide = refine.neighbours_of_neighbours(graph, rows[:50], 10)
    assert (wide == refine.neighbours_of_neighbours(graph, rows[:50], k)).all()
    assert refine.neighbours_of_neighbours(graph, rows[:0], width).shape == (0, 0)


def rounds_of(inputs, tmp_path, metric, monkeypatch):
    """refine_step's rounds: the frames each re-ranked and their neighbours
    found."""
    rounds = []

    def recorded(luma, metric, k, rows, *rest):
        found = rerank_block(luma, metric, k, rows, *rest)
        rounds.append((rows.copy(), found[0].copy()))
        return found

    rerank_block = jobs.rerank_block
    monkeypatch.setattr(jobs, "rerank_block", recorded)
    output = str(tmp_path / "rounds.npz")
    jobs.refine_step(inputs, output, "collection", metric, 0, K, 4096, 1)
    monkeypatch.setattr(jobs, "rerank_block", rerank_block)
    return rounds


def test_a_block_reads_its_own_refined_neighbours():
    """With a block's lists given, the frames in it are followed through
    those, the others through the graph: as if the block's rows were
    replaced in the graph."""
    rng = np.random.default_rng(6)
    n, k, width, start = 400, 8, 4, 100
    graph = np.array([rng.choice(n, k, replace=False) for _ in range(n)], np.int32)
    own = np.array([rng.choice(n, k, replace=False) for _ in range(50)], np.int32)
    merged = graph.copy()
    merged[start : start + 50] = own
    rows = rng.choice(n, 300)
    found = refine.neighbours_of_neighbours(graph, rows, width, own, start)
    np.testing.assert_array_equal(
        found, refine.neighbours_of_neighbours(merged, rows, width)
    )
    before = refine.neighbours_of_neighbours(graph, rows, width)
    assert found.shape != before.shape or (found != before).any()


@pytest.mark.parametrize("masked", [False, True])
def test_the_luma_rerank_gives_the_rerank_bits(
    folder_frames, masked, tmp_path, monkeypatch
):
    """gray's re-rank from the saved luma (each row against its own
    candidates only) against rerank from the frames (every row against the
    group's union): the same bits, with ties (the demo's held frames, frame
    copies), short lists, the row itself and repeats among the candidates,
    and a mask, applied when the luma is made."""
    _, frames = folder_frames
    frames = np.concatenate([frames, frames[100:140]])  # copies: equal distances
    n = len(frames)
    mask = np.ones(frames.shape[1:3], bool)
    mask[:8, :10] = False
    mask = mask if masked else None
    saved = tmp_path / "luma.npy"
    # Blocks of 100 frames: the last one short.
    monkeypatch.setattr(parameters, "LUMA_BLOCK_BYTES", 100 * 4 * 40 * 30)
    refine.save_luma(frames, mask, saved, Progress("luma"))
    luma = np.load(saved, mmap_mode="r")
    _, kept, _ = check_frames(frames, mask)
    assert n % 100 and luma.shape == (n, 40 * 30 - (80 if masked else 0))
    assert (luma == kernels.bt601_luma(pixel_block(frames, kept))).all()
    graph = nearest_frames(compute_distances(frames, "gray"), 12)
    rows = np.arange(100, 356)
    candidates = refine.neighbours_of_neighbours(graph, rows, 6)
    candidates[::7, 20:] = n  # some rows with fewer candidates than k
    candidates[::5, 0] = rows[::5]  # the row itself
    candidates[::3, 1] = candidates[::3, 2]  # a repeat
    listed = refine.rerank_luma(luma, "gray", 30, rows, candidates)
    whole = rerank(frames, "gray", 30, rows, candidates, mask)
    assert (listed[0] == whole[0]).all() and (listed[1] == whole[1]).all()
    assert (listed[0][::7, -1] == n).all() and np.isinf(listed[1][::7, -1]).all()
    ties = listed[1][:, 1:] == listed[1][:, :-1]
    assert ties.any()
    assert (listed[0] != rows[:, None]).all()
    # Past LUMA_RESIDENT_BYTES the pages are given back after the group, the
    # bits the same; under it they are kept.
    released = []
    monkeypatch.setattr(refine, "release_pages", released.append)
    refine.rerank_luma(luma, "gray", 30, rows, candidates)
    assert not released
    monkeypatch.setattr(refine, "LUMA_RESIDENT_BYTES", luma.nbytes - 1)
    again = refine.rerank_luma(luma, "gray", 30, rows, candidates)
    assert len(released) == 1 and (again[0] == listed[0]).all()
    # Luma is gray's, the mask already applied; no neighbours, none found.
    with pytest.raises(ValueError, match="not hsl's"):
        refine.rerank_luma(luma, "hsl", 30, rows, candidates)
    with pytest.raises(ValueError, match="no mask again"):
        refine.rerank_luma(luma, "gray", 30, rows, candidates, np.ones((30, 40)))
    assert refine.rerank_luma(luma, "gray", 0, rows, candidates)[0].shape == (256, 0)


def test_the_shares_of_neighbours_kept_and_held():
    before = np.array([[1, 2], [3, 4]], np.int32)
    assert refine.kept_share(before, np.array([[2, 5], [6, 7]], np.int32)) == 0.25
    assert refine.kept_share(before, before[:, ::-1]) == 1.0
    # Row 1 holding frame 2 is not row 0 holding it.
    assert refine.kept_share(before, before[::-1]) == 0.0
    graph = np.array([[1, 2, 3], [0, 2, 3], [0, 1, 3]], np.int32)
    assert refine.held_share(graph, [0, 2], np.array([[1, 4], [3, 4]])) == 0.5
    assert refine.held_share(graph, [0], np.array([[2, 3, 5]])) == 2 / 3
    assert refine.held_share(graph, [], np.zeros((0, 3), np.int32)) == 1.0


def test_a_refine_job_holds_less_than_its_estimate(folder_frames, tmp_path):
    """tracemalloc's peak of refine_step (numpy's arrays) within what the job
    asks for, without the fixed part, the mapped files and the margin: 855
    frames' searched graph of 91 neighbours, the candidates through 32
    neighbours' 32 (the first round: the later ones take fewer frames)."""
    path, frames = folder_frames
    n, k = len(frames), 91
    truth = nearest_frames(compute_distances(frames, "gray"), k)
    parts = [str(tmp_path / "search_0.npz")]
    save_npz(parts[0], rows=np.arange(n), indices=truth, distances=truth * 0.0)
    inputs = SimpleNamespace(
        searched=str(tmp_path / "searched.npy"), luma=str(tmp_path / "luma.npy")
    )
    jobs.join_step(path, parts, inputs, "c", "gray", n, k, None)
    output = str(tmp_path / "refine.npz")
    tracemalloc.start()
    try:
        jobs.refine_step(inputs, output, "c", "gray", 0, k, 4096, 1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    counted = refine_memory("gray", n, 40, 30, k, 4096) / MEASURED_MARGIN
    mapped = refine_mapped(n, 40, 30, k, n)  # every frame a candidate: c = n
    assert peak < counted - GRAPH_FIXED - mapped, (peak, counted)


def test_the_join_refuses_what_it_cannot_refine(folder_frames, tmp_path):
    """index_join makes luma for gray only, and of every frame it was told of."""
    path, frames = folder_frames
    parts = [str(tmp_path / "search_0.npz")]
    n = len(frames)
    graph = np.zeros((n, K), np.int32)
    save_npz(parts[0], rows=np.arange(n), indices=graph, distances=graph * 0.0)
    inputs = SimpleNamespace(
        searched=str(tmp_path / "searched.npy"), luma=str(tmp_path / "luma.npy")
    )
    with pytest.raises(ValueError, match="only gray's graph is refined"):
        jobs.join_step(path, parts, inputs, "c", "hsl", n, K, None)
    with pytest.raises(ValueError, match=f"holds {n} frames, not {n + 1}"):
        jobs.join_step(path, parts, inputs, "c", "gray", n + 1, K, None)


def test_blocks_are_joined_only_when_they_hold_each_frame_once(tmp_path):
    """The blocks' rows put where they belong, in arrays or a file's memmap;
    a frame missing or given twice is refused."""
    rng = np.random.default_rng(5)
    n, k = 10, 3
    graph = rng.integers(0, n, (n, k)).astype(np.int32)
    order = rng.permutation(n)
    blocks = [order[:4], order[4:]]
    parts = []
    for number, rows in enumerate(blocks):
        parts.append(str(tmp_path / f"part_{number}.npz"))
        save_npz(parts[-1], rows=rows, indices=graph[rows], distances=graph[rows] / 2)
    indices = np.lib.format.open_memmap(tmp_path / "i.npy", "w+", np.int32, (n, k))
    distances = np.empty((n, k), np.float32)
    jobs.join_rows(parts, n, {"indices": indices, "distances": distances})
    indices.flush()
    assert (np.load(tmp_path / "i.npy") == graph).all()
    assert (distances == graph / 2).all()
    again = graph[order[:1]]
    save_npz(tmp_path / "again.npz", rows=order[:1], indices=again, distances=again)
    for wrong in ([parts[0]], parts + [str(tmp_path / "again.npz")]):
        with pytest.raises(ValueError, match="do not hold each of the 10 frames once"):
            jobs.join_rows(wrong, n, {"indices": np.empty((n, k), np.int32)})
    for rows, listed, message in (
        ([n], again, "frames outside 0 to 9"),
        ([-1], again, "frames outside 0 to 9"),
        (order[:1], again * 0 + n, "fewer neighbours than asked"),
    ):
        save_npz(tmp_path / "wrong.npz", rows=rows, indices=listed, distances=again)
        with pytest.raises(ValueError, match=message):
            jobs.join_rows(
                parts + [str(tmp_path / "wrong.npz")],
                n,
                {"indices": np.empty((n, k), np.int32)},
            )


def test_the_search_order_keeps_each_list_together():
    """Frames in the order of their lists, read from the index's lists: the
    order the centres' own assignment gives, each list's frames in order."""
    rng = np.random.default_rng(3)
    projected = rng.normal(size=(3000, 8)).astype(np.float32)
    index = build.train_index(projected)
    assert index.nlist == parameters.list_count(3000) > 10
    order = build.list_order(index)
    _, lists = index.quantizer.search(projected, 1)
    assert (order == np.lexsort((np.arange(3000), lists[:, 0]))).all()
    assert build.training_frames(10).tolist() == list(range(10))
    drawn = build.training_frames(10**6, 100)
    assert len(drawn) == 100 and (np.diff(drawn) > 0).all() and drawn[-1] < 10**6


def test_the_sample_ranks_as_the_matrix_block_by_block(monkeypatch):
    """Each sampled frame's nearest so far, merged block by block: the whole
    row's ranking, equal distances in frame order across blocks, the frame
    itself left out wherever it falls, every count of frames a block."""
    rng = np.random.default_rng(11)
    n = 50
    # Distances 0 to 5 only: most are equal to some others.
    matrix = rng.integers(0, 6, (n, n)).astype(np.float32)

    def distances_to(_frames, _metric, chosen, _mask, columns):
        return matrix[chosen][:, columns]

    monkeypatch.setattr(build, "distances_to", distances_to)
    chosen = np.array([0, 3, 17, 31, 49])
    truth = nearest_frames(matrix[chosen], 12, rows=chosen)
    seen = []
    for columns in (1, 7, 16, n):
        found = build.sample_nearest(
            np.empty(n), "gray", 12, chosen, None, lambda *a: seen.append(a), columns
        )
        assert found.dtype == np.int32 and (found == truth).all()
    assert seen[-1] == (n, n, "frames")
    assert len(seen) == sum(-(-n // columns) for columns in (1, 7, 16, n))
    assert build.sample_nearest(np.empty(n), "gray", 0, chosen).shape == (5, 0)


@pytest.mark.parametrize("metric", ["gray", "hsl"])
def test_the_sample_is_ranked_as_the_whole_matrix_ranks_it(folder_frames, metric):
    """On real frames with copies of frames (ties across blocks): gray's exact
    sums give the matrix's ranking whatever the blocks; hsl's, whose Gram
    products round by the shape of a block, exact_nearest's with the same
    blocks of FRAME_BLOCK frames."""
    _, frames = folder_frames
    frames = np.concatenate([frames[:300], frames[100:160], frames[290:300]])
    n = len(frames)
    chosen = np.array([0, 5, 99, 100, 150, 299, 301, 365, n - 1])
    if metric == "gray":
        matrix = compute_distances(frames, metric)
        truth = nearest_frames(matrix[chosen], K, rows=chosen)
        blocks = (7, 64, n)
    else:
        truth = exact_nearest(frames, metric, K, chosen)
        assert parameters.SAMPLE_COLUMNS % FRAME_BLOCK == 0
        blocks = (FRAME_BLOCK, 2 * FRAME_BLOCK)
    for columns in blocks:
        found = build.sample_nearest(frames, metric, K, chosen, columns=columns)
        assert (found == truth).all()
    # Fewer frames than k: all the others, as exact_nearest gives them.
    few = build.sample_nearest(frames[:4], metric, K, [1, 3])
    assert few.shape == (2, 3)
    assert (few == exact_nearest(frames[:4], metric, K, [1, 3])).all()


def test_the_candidate_count_comes_from_the_sample(folder_frames):
    """The candidate count and the logged recall come from
    INDEX_RECALL_SAMPLE frames, more than the per-movie graph's sample, compared
    with every frame: as the whole matrix gives them."""
    _, frames = folder_frames
    n = len(frames)
    projection = build.fit_projection(frames, "gray", build.training_frames(n))
    projected = np.empty((n, projection.d_out), np.float32)
    build.project_frames(frames, "gray", projection, projected)
    index = build.train_index(projected)
    least, limit = 2 * K, 10 * K
    sample = build.sampled_candidates(frames, "gray", K, index, projected, least, limit)
    chosen = sampled_frames(n, parameters.INDEX_RECALL_SAMPLE)
    assert len(chosen) == parameters.INDEX_RECALL_SAMPLE > RECALL_SAMPLE
    truth = nearest_frames(compute_distances(frames, "gray")[chosen], K, rows=chosen)
    listed = build.search(index, projected[chosen], limit + 1, n)
    listed = np.array([row[row != frame][:limit] for row, frame in zip(listed, chosen)])
    count, recall = candidates_needed(listed, truth, least)
    assert (sample["count"], sample["recall"]) == (count, recall)
    assert sample["sampled"] == len(chosen)
    assert (sample["rows"] == chosen).all() and (sample["truth"] == truth).all()
    assert 0.5 < recall < 1


RUN_JOBS = """
import sys
from pathlib import Path
from types import SimpleNamespace

from framescape.index import jobs
from framescape.index.parameters import refined, search_blocks
import numpy as np

frames_npy, folder, metric, threads = sys.argv[1:]
folder, threads = Path(folder), int(threads)
outputs = SimpleNamespace(
    projected=str(folder / "projected.npy"),
    index=str(folder / "index.faiss"),
    plan=str(folder / "plan.npz"),
)
jobs.build_step(frames_npy, outputs, "collection", metric, 30, None, threads)
n = len(np.load(frames_npy, mmap_mode="r"))
parts, refined_parts = [], []
for block in range(search_blocks(n, 64)):
    parts.append(str(folder / f"search_{block}.npz"))
    jobs.search_step(
        frames_npy, outputs, parts[-1], "collection", metric, block, 30, None, 64,
        threads,
    )
inputs = SimpleNamespace(
    searched=str(folder / "searched.npy"), luma=str(folder / "luma.npy")
)
if refined(metric):
    jobs.join_step(frames_npy, parts, inputs, "collection", metric, n, 30, None)
    for block in range(search_blocks(n, 64)):
        refined_parts.append(str(folder / f"refine_{block}.npz"))
        jobs.refine_step(
            inputs, refined_parts[-1], "collection", metric, block, 30, 64, threads
        )
graph = str(folder / "graph.npz")
jobs.graph_step(refined_parts or parts, outputs.plan, graph, n, metric, 30)
"""


@pytest.mark.parametrize("metric", ["gray", "hsl"])
def test_the_jobs_write_the_same_bits_on_one_thread_and_two(
    folder_frames, tmp_path, metric
):
    """A SLURM job gets the threads it asks for and a node's cores, a local one
    those --cores leaves: each job, in a process of its own, writes the same
    bytes either way (the projection is fitted and applied on one thread:
    without that, hsl's index.faiss differs)."""
    path, _ = folder_frames
    written = {}
    for threads in (1, 2):
        folder = tmp_path / str(threads)
        folder.mkdir()
        # faiss's OpenMP threads and the others, as on a node of one core or two.
        run_with_threads(RUN_JOBS, path, folder, metric, threads, threads=threads)
        written[threads] = {
            file.name: file.read_bytes() for file in sorted(folder.iterdir())
        }
    assert written[1].keys() == written[2].keys()
    assert "graph.npz" in written[1] and len(written[1]) >= 5
    for name in written[1]:
        assert written[1][name] == written[2][name], name
