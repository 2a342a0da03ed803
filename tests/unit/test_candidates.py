"""Candidates at a reduced size re-ranked at full size, against the whole
distance matrix and its dense ranking."""

import numpy as np
import pytest

from framescape.distances import kernels, matrices, nearest_kernels
from framescape.distances import nearest as distances_nearest
from framescape.distances.tiles import tile_count, tile_pairs, tile_range
from framescape.graph import candidates
from framescape.graph import parameters as graph_parameters
from framescape.graph import reduce as graph_reduce
from framescape.graph import rerank as graph_rerank
from framescape.graph import sample as graph_sample
from framescape.graph import second_pass as graph_second_pass
from framescape.testing import graph as one_process_graph


@pytest.fixture(scope="module")
def tied_frames(bikes_frames):
    """Real frames, the first twelve repeated so that exact ties abound (frame
    28 + i is frame i again)."""
    return np.concatenate([bikes_frames[:28], bikes_frames[:12]])


@pytest.fixture(scope="module")
def mask():
    kept = np.ones((60, 80), bool)
    kept[5:20, 10:30] = False
    return kept


def dense_ranking(matrix, k):
    nearest = distances_nearest.nearest_frames(matrix, k)
    return nearest, np.take_along_axis(matrix, nearest.astype(np.intp), axis=1)


def assert_same_graph(metric, indices, found, matrix, k):
    """gray: the dense ranking's neighbours and distances, bit for bit. hsl:
    its distances within float32 rounding, each the matrix's element, and its
    neighbours wherever no other frame lies within that rounding."""
    expected, expected_distances = dense_ranking(matrix, k)
    assert indices.dtype == np.int32 and found.dtype == np.float32
    if metric == "gray":
        assert np.array_equal(indices, expected)
        assert np.array_equal(found, expected_distances)
        return
    np.testing.assert_allclose(found, expected_distances, rtol=0, atol=2e-6)
    np.testing.assert_allclose(
        found, np.take_along_axis(matrix, indices, axis=1), rtol=0, atol=2e-6
    )
    for row, (ours, theirs) in enumerate(zip(indices, expected)):
        near = np.abs(matrix[row][:, None] - matrix[row][theirs][None, :]) < 2e-6
        near[row] = False
        alone = near.sum(axis=0) == 1
        assert np.array_equal(ours[alone], theirs[alone]), row


@pytest.mark.parametrize("metric", ["gray", "hsl"])
@pytest.mark.parametrize("factor", [2, 4, 8])
@pytest.mark.parametrize("masked", [False, True])
def test_reduced_distances_bound_the_full_ones(
    bikes_frames, mask, metric, factor, masked
):
    """Every pair of real frames: the reduced bound never exceeds the full
    distance, and it is a useful bound (most of the distance on average)."""
    kept = mask if masked else None
    matrix = matrices.compute_distances(bikes_frames, metric, kept)
    reduced = graph_reduce.reduced_descriptors(
        bikes_frames, metric, factor, kept, frame_block=16
    )
    n = len(bikes_frames)
    whole = (0, n)
    tile = candidates.reduced_tile(reduced, metric, whole, whole)
    bounds = candidates.lower_bounds(tile, reduced, whole, whole)
    off_diagonal = ~np.eye(n, dtype=bool)
    assert (bounds <= matrix)[off_diagonal].all()
    assert bounds[off_diagonal].mean() > 0.5 * matrix[off_diagonal].mean()
    # The upper triangle alone (a diagonal tile) is the same numbers.
    upper = candidates.reduced_tile(reduced, metric, whole, whole, upper=True)
    above = np.triu(off_diagonal)
    np.testing.assert_array_equal(upper[above], tile[above])


def test_rounding_to_bytes_is_taken_off_the_gray_bound():
    """One 4×4 block: a mean of 10.5 rounds to 10, one of 10.5625 to 11, though
    the frames differ in one pixel by one grey level; the rounded means alone
    would claim a distance of 1, the bound stays at the true 1/16."""
    frames = np.full((2, 4, 4, 3), 10, np.uint8)
    frames[:, 2:] = 11
    frames[1, 1, 3] = 11
    full = matrices.compute_distances(frames, "gray")[0, 1]
    reduced = graph_reduce.reduced_descriptors(frames, "gray", 4)
    tile = candidates.reduced_tile(reduced, "gray", (0, 1), (1, 2))
    bound = candidates.lower_bounds(tile, reduced, (0, 1), (1, 2))
    assert full == 1 / 16 and tile[0, 0] == 1
    assert full - 2e-5 < bound[0, 0] <= full


@pytest.mark.parametrize("metric", ["gray", "hsl"])
def test_rerank_gives_the_matrix_distances(tied_frames, mask, metric):
    """Scattered frames, random candidates with repeats, the frame itself and
    padding: each row's k nearest among them, as the matrix ranks them."""
    matrix = matrices.compute_distances(tied_frames, metric, mask)
    n, k = len(tied_frames), 5
    rng = np.random.default_rng(1)
    rows = rng.permutation(n)[:16]  # any frames, in any order
    listed = rng.integers(0, n + 1, size=(len(rows), 15))
    listed[:, 0] = rows
    listed[:, 1] = listed[:, 2]
    indices, found = graph_rerank.rerank(tied_frames, metric, k, rows, listed, mask)
    for offset, row in enumerate(rows):
        chosen = np.setdiff1d(listed[offset][listed[offset] < n], [row])
        order = np.lexsort((chosen, matrix[row, chosen]))[:k]
        expected = chosen[order]
        assert (indices[offset, len(expected) :] == n).all()
        assert np.isinf(found[offset, len(expected) :]).all()
        ours, found_here = (
            indices[offset, : len(expected)],
            found[offset, : len(expected)],
        )
        if metric == "gray":
            assert ours.tolist() == expected.tolist()
            assert np.array_equal(found_here, matrix[row, expected])
        else:
            np.testing.assert_allclose(
                found_here, matrix[row, expected], rtol=0, atol=2e-6
            )
            np.testing.assert_allclose(found_here, matrix[row, ours], rtol=0, atol=2e-6)


@pytest.mark.parametrize("metric", ["gray", "hsl"])
def test_all_frames_as_candidates_is_the_dense_ranking(tied_frames, mask, metric):
    """With every frame a candidate (nothing for the second pass to add), the
    neighbour graph of the whole matrix, ties in frame order."""
    matrix = matrices.compute_distances(tied_frames, metric, mask)
    n = len(tied_frames)
    for k in (1, 6, n - 1):
        indices, found, report = one_process_graph.candidate_graph(
            tied_frames,
            metric,
            k,
            n,
            mask=mask,
            complete=True,
            tile_frames=16,
            rerank_rows=12,
        )
        assert report["certified"].all() and report["missing"] == 0
        assert_same_graph(metric, indices, found, matrix, k)
    # Frame 28 is frame 0 again: each is the other's nearest, at distance 0.
    indices, found, _ = one_process_graph.candidate_graph(tied_frames, metric, 1, 4)
    assert indices[0, 0] == 28 and indices[28, 0] == 0 and found[0, 0] == 0


@pytest.mark.parametrize("metric", ["gray", "hsl"])
def test_certified_frames_have_no_nearer_frame_left_out(tied_frames, metric):
    """The passes as separate calls (tiles of candidates, blocks of re-ranks):
    every frame left out of a certified frame's candidates is farther than
    its k-th neighbour, in the whole matrix."""
    matrix = matrices.compute_distances(tied_frames, metric)
    n, k = len(tied_frames), 6
    certified_rows = 0
    for factor, c in ((2, 8), (4, 10), (8, 10), (8, 14)):
        reduced = graph_reduce.reduced_descriptors(tied_frames, metric, factor)
        merged = candidates.NearestMerge(n, c)
        for rows, columns in (((0, 16), (0, 16)), ((0, 16), (16, n)), ((16, n),) * 2):
            part = candidates.candidate_part(reduced, metric, c, rows, columns)
            merged.add(part, rows, columns)
        _, found = graph_rerank.rerank_all(
            tied_frames, metric, k, merged.frames, rerank_rows=16
        )
        sure = graph_second_pass.certified(merged.distances, found[:, -1], reduced)
        for row in np.flatnonzero(sure):
            left_out = np.setdiff1d(np.arange(n), [row, *merged.frames[row]])
            assert (matrix[row, left_out] > found[row, -1]).all(), (factor, c, row)
        certified_rows += sure.sum()
    assert certified_rows > 0


@pytest.mark.parametrize("metric", ["gray", "hsl"])
def test_the_second_pass_makes_few_candidates_exact(tied_frames, metric):
    """As few candidates as neighbours at a coarse size: the first re-rank
    misses true neighbours; the second pass finds them all (most frames are
    doubtful here: it runs whatever their share)."""
    matrix = matrices.compute_distances(tied_frames, metric)
    k = 6
    expected, _ = dense_ranking(matrix, k)
    options = {"factor": 8, "tile_frames": 16, "rerank_rows": 8, "max_share": 1}
    first, _, _ = one_process_graph.candidate_graph(
        tied_frames, metric, k, k, complete=False, **options
    )
    assert not np.array_equal(first, expected)
    indices, found, report = one_process_graph.candidate_graph(
        tied_frames, metric, k, k, complete=True, **options
    )
    assert report["missing"] > 0
    assert_same_graph(metric, indices, found, matrix, k)


@pytest.mark.parametrize("metric", ["gray", "hsl"])
def test_no_block_inside_the_mask_takes_single_pixels(bikes_frames, metric):
    """A mask of stripes one pixel high holds no 2×2 block: the pixels
    themselves are compared, and bound the distances still."""
    kept = np.zeros((60, 80), bool)
    kept[::2] = True
    reduced = graph_reduce.reduced_descriptors(bikes_frames, metric, 4, kept)
    count = kept.sum() * (1 if metric == "gray" else 4)
    assert (reduced["descriptors"][:, count:] == 0).all()
    assert reduced["descriptors"][:, :count].any(axis=1).all()
    whole = (0, len(bikes_frames))
    bounds = candidates.lower_bounds(
        candidates.reduced_tile(reduced, metric, whole, whole), reduced, whole, whole
    )
    matrix = matrices.compute_distances(bikes_frames, metric, kept)
    assert (bounds <= matrix + 1e-6).all()


def test_nearest_in_rows_is_a_sort_of_each_row():
    """The selection kernel against numpy's lexsort: ties in column order,
    ``inf`` never chosen, rows with fewer finite elements padded."""
    rng = np.random.default_rng(3)
    tile = rng.integers(0, 6, size=(30, 40)).astype(np.float32)
    tile[rng.random(tile.shape) < 0.2] = np.inf
    tile[0, 3:] = np.inf
    n = 500
    for c in (1, 7, 39, 45):
        frames, found = candidates.nearest_in_rows(tile, c, 100, n)
        assert frames.shape == found.shape == (30, c)
        for row, values in enumerate(tile):
            order = np.lexsort((np.arange(40), values))[:c]
            order = order[np.isfinite(values[order])]
            assert frames[row, : len(order)].tolist() == (order + 100).tolist()
            assert found[row, : len(order)].tolist() == values[order].tolist()
            assert (frames[row, len(order) :] == n).all()
            assert np.isinf(found[row, len(order) :]).all()


def test_kth_smallest_is_the_sorted_element():
    """The quickselect against a sort, on ties, runs and single elements."""
    rng = np.random.default_rng(5)
    cases = [
        rng.integers(0, 4, size=57).astype(np.float32),
        rng.random(200).astype(np.float32),
        np.arange(33, dtype=np.float32),
        np.arange(33, dtype=np.float32)[::-1].copy(),
        np.full(9, 2.5, np.float32),
        np.array([7.0], np.float32),
    ]
    for values in cases:
        expected = np.sort(values)
        for k in range(len(values)):
            assert candidates.kth_smallest(values.copy(), k) == expected[k]


def test_bounds_leave_out_only_what_could_not_join_a_row():
    """With each row's bound, the selection lists the same elements as
    without, but those above the bound (equal ones stay: a lower frame number
    may still join)."""
    rng = np.random.default_rng(4)
    tile = rng.integers(0, 6, size=(30, 40)).astype(np.float32)
    bounds = rng.integers(-1, 7, size=30).astype(np.float32)
    bounds[0] = np.inf  # nothing known yet: every element may join
    n = 500
    for c in (1, 7, 45):
        whole, whole_found = candidates.nearest_in_rows(tile, c, 100, n)
        frames, found = candidates.nearest_in_rows(tile, c, 100, n, bounds)
        for row in range(30):
            kept = whole_found[row] <= bounds[row]
            assert frames[row, : kept.sum()].tolist() == whole[row, kept].tolist()
            assert found[row, : kept.sum()].tolist() == whole_found[row, kept].tolist()
            assert (frames[row, kept.sum() :] == n).all()


def test_transposed_is_the_transpose():
    matrix = np.random.default_rng(7).random((131, 70)).astype(np.float32)
    for block in (1, 16, 64):
        out = kernels.transposed(matrix, block)
        assert out.flags.c_contiguous and np.array_equal(out, matrix.T)


def test_sorted_lists_merge_as_they_are_inserted():
    """The linear merge against the insertion of each element: ties by frame
    number, padding skipped, lists entirely beyond a row's k-th skipped."""
    rng = np.random.default_rng(6)
    n, k, rows = 1000, 9, 50
    best = [np.full((rows, k), np.inf, np.float32), np.full((rows, k), n, np.int32)]
    inserted = [array.copy() for array in best]
    # A frame reaches a row once (each pair lies in one tile): 6 lists of 12
    # different frames a row.
    every = np.stack([rng.choice(n, 72, replace=False) for _ in range(rows)])
    for round_ in range(6):
        frames = every[:, 12 * round_ : 12 * (round_ + 1)].copy()
        distances = rng.integers(0, 8, size=(rows, 12)).astype(np.float32)
        frames[rng.random(frames.shape) < 0.2] = n
        distances[frames == n] = np.inf
        order = np.lexsort((frames, distances), axis=1)
        frames = np.take_along_axis(frames, order, axis=1).astype(np.int32)
        distances = np.take_along_axis(distances, order, axis=1)
        nearest_kernels.merge_sorted(*best, distances, frames, 0, n)
        nearest_kernels.merge_listed(*inserted, distances, frames, 0, n)
        assert np.array_equal(best[1], inserted[1])
        assert np.array_equal(best[0], inserted[0])


@pytest.mark.parametrize("metric", ["gray", "hsl"])
def test_the_candidate_pass_lists_what_every_tile_offers(tied_frames, metric):
    """The pass, which bounds each tile by what the frames already have,
    against every tile's whole lists inserted one element at a time."""
    n, c, tile_frames = len(tied_frames), 6, 16
    reduced = graph_reduce.reduced_descriptors(tied_frames, metric, 8)
    merged, _ = candidates.candidate_pass(reduced, metric, c, tile_frames)
    distances_, frames = (
        np.full((n, c), np.inf, np.float32),
        np.full((n, c), n, np.int32),
    )
    for row, column in tile_pairs(tile_count(n, tile_frames)):
        rows, columns = (tile_range(i, n, tile_frames) for i in (row, column))
        part = candidates.candidate_part(reduced, metric, c, rows, columns)
        for side, (start, _) in (("row", rows), ("column", columns)):
            if f"{side}_frames" in part:
                nearest_kernels.merge_listed(
                    distances_,
                    frames,
                    part[f"{side}_distances"],
                    part[f"{side}_frames"],
                    start,
                    n,
                )
    assert np.array_equal(merged.frames, frames)
    assert np.array_equal(merged.distances, distances_)
    # Each frame listed once at most in a frame's candidates.
    for row in range(n):
        listed = merged.frames[row][merged.frames[row] < n]
        assert len(set(listed.tolist())) == len(listed)


def test_groups_hold_each_wanted_frame_once_near_its_group():
    """Breadth first through the candidates: every wanted frame in one group,
    no group above the size, each frame after a group's first a candidate of
    a frame before it in the group."""
    rng = np.random.default_rng(5)
    n = 300
    listed = rng.integers(0, n + 1, size=(n, 6)).astype(np.int32)
    wanted = rng.random(n) < 0.8
    for size in (1, 7, 64, n):
        order, sizes = graph_rerank.group_rows(listed, wanted, size)
        assert sorted(order.tolist()) == np.flatnonzero(wanted).tolist()
        assert sizes.max() <= size and sizes.sum() == len(order)
        for group in graph_rerank.split_groups(order, sizes):
            for position in range(1, len(group)):
                assert group[position] in listed[group[:position]], (size, group)
    # Frames whose candidates are each other: one group of them.
    pairs = np.array([[1, 4], [0, 4], [3, 4], [2, 4]], np.int32)
    order, sizes = graph_rerank.group_rows(pairs, np.ones(4, bool), 4)
    assert order.tolist() == [0, 1, 2, 3] and sizes.tolist() == [2, 2]


def test_groups_fill_up_when_candidates_reach_on():
    """A chain (each frame's candidates its two neighbours): every group but
    the last has ``size`` frames."""
    n, size = 50, 8
    chain = np.stack([np.arange(n) - 1, np.arange(n) + 1], axis=1)
    chain[0, 0], chain[-1, 1] = n, n
    order, sizes = graph_rerank.group_rows(chain.astype(np.int32), np.ones(n, bool), size)
    assert sizes[:-1].tolist() == [size] * (len(sizes) - 1)
    assert sorted(order.tolist()) == list(range(n))


def test_second_pass_is_bounded_in_a_still_shot(bikes_frames):
    """One picture with fresh noise in each of 60 frames: every frame's reduced
    distances to the others are far below its full ones (the noise averages
    out), so all lie within its k-th distance; the second pass takes as many
    more candidates as there were, counts the frames that had more, and every
    stored distance is still the matrix's."""
    rng = np.random.default_rng(0)
    noise = rng.integers(-12, 13, size=(60, *bikes_frames.shape[1:]))
    frames = np.clip(bikes_frames[0].astype(int) + noise, 0, 255).astype(np.uint8)
    matrix = matrices.compute_distances(frames, "gray")
    indices, found, report = one_process_graph.candidate_graph(
        frames, "gray", 4, 6, complete=True, max_share=1
    )
    assert report["inexact"] > 0 and report["missing"] <= 6 * len(frames)
    assert np.array_equal(found, np.take_along_axis(matrix, indices, axis=1))


def test_second_pass_skipped_when_most_frames_are_doubtful(bikes_frames):
    """Above the share of doubtful frames it may take, the graph stays the
    first re-rank's (and says so); below it the second pass runs; the
    workflow's share is SECOND_PASS_MAX_SHARE."""
    frames = np.concatenate([bikes_frames[:28], bikes_frames[:12]])
    options = {"factor": 8, "tile_frames": 16, "rerank_rows": 8, "complete": True}
    _, _, report = one_process_graph.candidate_graph(
        frames, "gray", 6, 6, max_share=1, **options
    )
    doubtful = 1 - report["certified"].mean()
    assert 0 < doubtful and not report["skipped"] and report["missing"] > 0
    indices, _, report = one_process_graph.candidate_graph(
        frames, "gray", 6, 6, max_share=doubtful / 2, **options
    )
    assert report["skipped"] and report["missing"] == 0
    assert np.array_equal(indices, report["first"])
    assert doubtful > graph_second_pass.SECOND_PASS_MAX_SHARE
    _, _, report = one_process_graph.candidate_graph(frames, "gray", 6, 6, **options)
    assert report["skipped"]


def test_candidates_needed_is_the_fewest_that_hold_the_target():
    """Three sampled frames, true nearest at known places in their lists: the
    fewest candidates holding the share wanted, never below ``least``, at most
    the lists' length (and then the share they do hold)."""
    listed = np.array([[5, 1, 2, 3, 4, 0], [0, 2, 3, 4, 5, 1], [1, 0, 3, 4, 2, 5]])
    truth = np.array([[1, 2], [2, 5], [0, 9]])  # places 1, 2 | 1, 4 | 1, missing
    assert graph_sample.candidates_needed(listed, truth, 1, 0.5) == (2, 3 / 6)
    assert graph_sample.candidates_needed(listed, truth, 4, 0.5) == (4, 4 / 6)
    assert graph_sample.candidates_needed(listed, truth, 1, 5 / 6) == (5, 5 / 6)
    assert graph_sample.candidates_needed(listed, truth, 1, 1.0) == (6, 5 / 6)
    assert graph_sample.candidates_needed(listed, truth[:0], 2, 1.0) == (2, 1.0)
    # A frame listed twice counts at its first place; "none" (N = 9) never.
    listed = np.array([[3, 3, 1, 9, 9], [2, 0, 9, 9, 9]])
    truth = np.array([[3, 1], [0, 4]])  # places 0, 2 | 1, missing
    assert graph_sample.candidates_needed(listed, truth, 1, 0.5) == (2, 2 / 4)
    assert graph_sample.candidates_needed(listed, truth, 1, 0.75) == (3, 3 / 4)


@pytest.mark.parametrize("metric", ["gray", "hsl"])
def test_the_sample_chooses_the_candidates_and_tells_the_recall(
    tied_frames, metric, monkeypatch
):
    """The sampled frames' true nearest are the dense ranking's; the
    candidates kept are the fewest whose lists hold the target share of them
    (checked one count lower); the recall it reports is the graph's on those
    frames, measured against the matrix."""
    k, least = 5, 6
    matrix = matrices.compute_distances(tied_frames, metric)
    expected = distances_nearest.nearest_frames(matrix, k)
    reduced = graph_reduce.reduced_descriptors(tied_frames, metric, 8)
    merged, _ = candidates.candidate_pass(reduced, metric, 39)
    listed = merged.frames.copy()
    chosen = graph_sample.sampled_frames(40, 13)
    assert len(chosen) == 13 and chosen[0] == 0 and chosen[-1] == 39
    truth = graph_sample.exact_nearest(tied_frames, metric, k, chosen)
    if metric == "gray":
        assert np.array_equal(truth, expected[chosen])
    else:  # the same sets where hsl's float32 rounding leaves no tie
        assert (
            np.mean([set(a) == set(b) for a, b in zip(truth, expected[chosen])]) > 0.9
        )

    def held(count):
        return np.mean(
            [np.isin(t, row[:count]) for t, row in zip(truth, listed[chosen])]
        )

    sample = graph_sample.choose_candidates(
        tied_frames, metric, k, merged, least, sample=13
    )
    count = sample["count"]
    assert least < count < 39 and sample["sampled"] == 13 and sample["kept"] == 39
    assert held(count) >= graph_parameters.RECALL_TARGET > held(count - 1)
    assert sample["recall"] == held(count)
    assert np.array_equal(merged.frames, listed[:, :count])
    monkeypatch.setattr(one_process_graph, "candidate_count", lambda *_: least)
    monkeypatch.setattr(one_process_graph, "candidate_limit", lambda *_: 30)
    indices, _, report = one_process_graph.candidate_graph(
        tied_frames, metric, k, factor=8, complete=False
    )
    every = graph_sample.exact_nearest(tied_frames, metric, k, np.arange(40))
    assert report["sample"]["sampled"] == 40 and report["sample"]["count"] < 30
    graph_recall = np.mean([np.isin(t, row) for t, row in zip(every, indices)])
    assert graph_recall < 1
    # hsl: the sample and the re-rank group their Gram products differently,
    # which may order the repeated frames' float32 ties apart (one in 200).
    tolerance = 0 if metric == "gray" else 1 / every.size
    assert abs(report["sample"]["recall"] - graph_recall) <= tolerance


@pytest.mark.parametrize("metric", ["gray", "hsl"])
def test_a_movie_whose_candidates_would_be_every_frame_takes_every_pair(
    tied_frames, metric
):
    """40 frames keep at most 39 candidates each (fewer than the workflow's
    least): asked to, the matrix's own ranking and its elements, ties in frame
    order; else the candidates, all of them."""
    assert graph_parameters.candidate_limit(metric, 6, 40) == 39
    _, _, report = one_process_graph.candidate_graph(tied_frames, metric, 6)
    assert report["sample"]["count"] == 39 and "every_pair" not in report
    indices, found, report = one_process_graph.candidate_graph(
        tied_frames, metric, 6, every_pair=True
    )
    matrix = matrices.compute_distances(tied_frames, metric)
    assert report["every_pair"] and "sample" not in report
    assert np.array_equal(indices, distances_nearest.nearest_frames(matrix, 6))
    assert np.array_equal(found, np.take_along_axis(matrix, indices, axis=1))
