"""Embeddings: deterministic, finite for tiny and degenerate movies, clamped
neighbours logged."""

import logging
import tracemalloc

import numpy as np
import pytest
from scipy.spatial.distance import pdist, squareform

from framescape.common import FramescapeError
from framescape.embed import mds
from framescape.embed.mds import classical_mds, even_landmarks, landmark_mds
from framescape.embed.methods import embed
from framescape.embed.parameters import resolve_n_neighbors
from framescape.registry import METHODS as REGISTERED
from framescape.run.config import method_options
from framescape.testing import run_with_threads

METHODS = list(REGISTERED)
FAST = {
    "tsne": {"max_iter": 250},
    "umap": {"n_epochs": 50, "n_neighbors": 5},
    "mds": {},
}


def circle_distances(n, noise=0.0, seed=0):
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
    points = np.c_[np.cos(angles), np.sin(angles)]
    points += np.random.default_rng(seed).normal(0, noise, points.shape)
    return squareform(pdist(points)).astype(np.float32)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("n", [1, 2, 3, 4, 6])
def test_tiny_movies_get_finite_coordinates(method, n):
    coordinates = embed(circle_distances(n), method, random_state=1, **FAST[method])
    assert coordinates.shape == (n, 2)
    assert np.isfinite(coordinates).all()


@pytest.mark.parametrize("method", METHODS)
def test_identical_frames_give_finite_coordinates(method):
    coordinates = embed(
        np.zeros((12, 12), np.float32), method, random_state=1, **FAST[method]
    )
    assert coordinates.shape == (12, 2)
    assert np.isfinite(coordinates).all()


def test_two_frames_are_placed_at_their_distance():
    coordinates = embed(np.array([[0, 2.5], [2.5, 0]], np.float32), "tsne")
    assert np.linalg.norm(coordinates[0] - coordinates[1]) == pytest.approx(2.5)


def test_classical_mds_recovers_a_triangle():
    points = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 4.0]])
    distances = squareform(pdist(points))
    recovered = squareform(pdist(classical_mds(distances)))
    np.testing.assert_allclose(recovered, distances, atol=1e-9)


def test_neighbours_and_perplexity_are_clamped_and_logged(caplog):
    distances = circle_distances(10, noise=0.01)
    with caplog.at_level(logging.WARNING, logger="framescape"):
        embed(distances, "umap", n_neighbors=60, n_epochs=20)
        embed(distances, "tsne", perplexity=30, max_iter=250)
    messages = " ".join(caplog.messages)
    assert "umap.n_neighbors=60 does not fit a map of 10 points: using 9" in messages
    assert (
        "tsne.perplexity=30.0 does not fit a map of 10 points: using 3.0" in messages
    )


def test_the_clamp_counts_the_points_umap_lays_out(caplog):
    # 24 frames, each of 6 four times over: UMAP lays out 6 points.
    distances = circle_distances(6, noise=0.01)[np.ix_(*2 * [np.arange(24) % 6])]
    with caplog.at_level(logging.INFO, logger="framescape"):
        coordinates = embed(distances, "umap", n_neighbors=8, n_epochs=20)
    assert "UMAP of 24 frames laid out as 6 points" in caplog.text
    assert "umap.n_neighbors=8 does not fit a map of 6 points: using 5" in caplog.text
    np.testing.assert_array_equal(coordinates[:6], coordinates[6:12])


def test_umap_auto_neighbours_follow_the_prototype():
    assert resolve_n_neighbors("auto", 365) == 30  # int(365 / 12)
    assert resolve_n_neighbors("auto", 24) == 2
    assert resolve_n_neighbors(15, 5) == 15  # clamped later, with a warning


def test_umap_neighbours_per_metric_come_from_one_place():
    config = {"umap": {"n_neighbors": {"gray": 60, "hsl": "auto"}, "min_dist": 0.1}}
    assert method_options(config, "umap", "gray")["n_neighbors"] == 60
    assert method_options(config, "umap", "hsl")["n_neighbors"] == "auto"
    assert method_options({"umap": {"n_neighbors": {"gray": 9}}}, "umap", "hsl") == {
        "n_neighbors": "auto"
    }
    assert method_options({"umap": {"n_neighbors": 7}}, "umap", "hsl") == {
        "n_neighbors": 7
    }


@pytest.mark.parametrize("method", METHODS)
def test_a_circle_stays_a_loop(method):
    """Neighbours on a noisy circle stay neighbours in the layout."""
    from sklearn.manifold import trustworthiness

    n = 60
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
    truth = np.c_[np.cos(angles), np.sin(angles)]
    params = {
        "umap": {"n_neighbors": 10},
        "tsne": {"perplexity": 10, "max_iter": 300},
        "mds": {},
    }[method]
    coordinates = embed(
        circle_distances(n, noise=0.02), method, random_state=0, **params
    )
    assert trustworthiness(truth, coordinates, n_neighbors=5) > 0.95


def test_smacof_is_scikit_learns_algorithm():
    from sklearn.manifold import smacof as sklearn_smacof

    from framescape.embed.mds import smacof

    rng = np.random.default_rng(5)
    distances = squareform(pdist(rng.normal(size=(80, 4))))
    start = classical_mds(distances)
    expected, expected_stress, expected_iterations = sklearn_smacof(
        distances,
        init=start,
        n_init=1,
        max_iter=300,
        eps=1e-6,
        return_n_iter=True,
        normalized_stress=False,
        metric=True,
    )
    result, stress, iterations = smacof(distances.astype(np.float32), start, 300, 1e-6)
    assert iterations == expected_iterations
    assert stress == pytest.approx(expected_stress, rel=1e-5)
    np.testing.assert_allclose(result, expected, atol=1e-4)


def test_classical_mds_by_lanczos_equals_the_full_decomposition(monkeypatch):
    from framescape.embed import mds as module

    distances = circle_distances(60, noise=0.05)
    dense = classical_mds(distances)
    monkeypatch.setattr(module, "DENSE_EIGEN_LIMIT", 10)
    np.testing.assert_allclose(classical_mds(distances), dense, atol=1e-9)


@pytest.mark.parametrize("method", ["tsne", "umap"])
def test_non_finite_coordinates_fail_instead_of_another_method(monkeypatch, method):
    """A layout with NaN is never replaced by classical MDS under its name: the
    job fails with one line naming the method."""
    from framescape.embed import methods as module

    def broken(distances, random_state, threads, **params):
        coordinates = np.zeros((len(distances), 2))
        coordinates[3] = np.nan
        return coordinates

    monkeypatch.setitem(
        module.EMBEDDERS, method, module.EMBEDDERS[method]._replace(matrix=broken)
    )
    with pytest.raises(FramescapeError, match=r"gave non-finite coordinates"):
        embed(circle_distances(20, noise=0.05), method, 42)


def test_programming_errors_are_not_user_errors():
    """An unknown method or a non-square matrix is a defect: a ValueError, whose
    traceback the job's log keeps, not a one-line user error."""
    with pytest.raises(ValueError, match="unknown method"):
        embed(np.zeros((5, 5)), "pca", 0)
    with pytest.raises(ValueError, match="square"):
        embed(np.zeros((5, 4)), "mds", 0)


def test_landmark_mds_with_every_frame_a_landmark_is_classical_mds():
    distances = circle_distances(40, noise=0.05)
    everyone = np.arange(40)
    np.testing.assert_allclose(
        landmark_mds(distances, everyone), classical_mds(distances), atol=1e-9
    )


def test_landmark_mds_places_every_point_from_a_few_landmarks():
    """Points in a plane: 12 landmarks of 300 give back every point's place (up
    to a rotation and reflection, which Procrustes removes), to rounding."""
    from scipy.spatial import procrustes

    rng = np.random.default_rng(5)
    points = rng.normal(size=(300, 2)) * [3.0, 1.0]
    landmarks = even_landmarks(300, 12)
    assert len(landmarks) == 12 and landmarks[0] == 0 and landmarks[-1] == 299
    rows = squareform(pdist(points))[landmarks]
    _, _, disparity = procrustes(points, landmark_mds(rows, landmarks))
    assert disparity < 1e-20
    # A curved movie path: close to classical MDS of all its frames.
    distances = circle_distances(300, noise=0.05)
    _, _, disparity = procrustes(
        classical_mds(distances), landmark_mds(distances[landmarks], landmarks)
    )
    assert disparity < 1e-3


def test_landmark_mds_places_the_frames_a_block_at_a_time(monkeypatch):
    """Placed 7 frames at a time (43 blocks, the last one short), 300 frames
    land where placing them all at once puts them. A folder of a million
    frames: its float64 squares are a block's, as the memory guard counts
    them, not every frame's (squares and their copies of every frame peaked at
    6 times the float32 distances)."""
    rng = np.random.default_rng(11)
    points = rng.normal(size=(300, 3))
    landmarks = even_landmarks(300, 12)
    rows = squareform(pdist(points))[landmarks].astype(np.float32)
    whole = landmark_mds(rows, landmarks)
    monkeypatch.setattr(mds, "PLACE_BLOCK", 7)
    np.testing.assert_allclose(landmark_mds(rows, landmarks), whole, rtol=0, atol=1e-12)
    monkeypatch.undo()

    rows = rng.random((50, 300_000), dtype=np.float32) + 1
    landmarks = even_landmarks(300_000, 50)
    tracemalloc.start()
    try:
        placed = landmark_mds(rows, landmarks)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert placed.shape == (300_000, 2) and np.isfinite(placed).all()
    # What the memory guard counts beside the distances: one block's float64
    # squares and the places twice; 1 MB for numpy's own.
    counted = 8 * 50 * mds.PLACE_BLOCK + 32 * 300_000
    assert peak <= counted + 2**20, (peak, counted)


def test_umap_from_the_graph_is_the_dense_umap():
    """The neighbours the matrix gives, as a graph: the same coordinates, bit for
    bit, without the matrix."""
    from framescape.distances.nearest import nearest_frames
    from framescape.embed.neighbours import embed_umap, embed_umap_graph

    distances = circle_distances(200, noise=0.05).astype(np.float32)
    params = {"n_neighbors": 12, "n_epochs": 60}
    dense = embed(distances, "umap", 42, **params)
    nearest = nearest_frames(distances, 20)
    near = np.take_along_axis(distances, nearest.astype(np.intp), axis=1)
    graph = embed_umap_graph(nearest, near, 42, **params)
    assert np.array_equal(dense, graph)
    assert not np.array_equal(dense, embed_umap(distances, 43, **params))
    with pytest.raises(ValueError, match="neighbours a frame"):
        embed_umap_graph(nearest[:, :5], near[:, :5], 42, **params)


def test_umap_from_mds_starts_where_mds_lays_the_frames_out(bikes_distances):
    """init: mds on real frames. On the graph path UMAP starts from the
    landmark MDS layout (all frames landmarks here), on the dense path from
    classical MDS: the same start, so the same map; after a few epochs it
    keeps MDS's overall arrangement, which the spectral start does not."""
    from scipy.spatial import procrustes

    from framescape.embed.mds import classical_mds
    from framescape.embed.methods import embed_graph
    from framescape.embed.neighbours import embed_umap_graph

    distances, nearest, near = bikes_distances
    params = {"n_neighbors": 15, "n_epochs": 5, "init": "mds"}
    dense = embed(distances, "umap", 42, **params)
    graph = embed_graph(
        len(distances),
        "umap",
        42,
        graph=(nearest, near),
        rows=lambda chosen: distances[chosen],
        **params,
    )
    assert np.array_equal(dense, graph)
    _, _, from_mds = procrustes(classical_mds(distances), dense)
    spectral = embed(distances, "umap", 42, **{**params, "init": "spectral"})
    _, _, from_spectral = procrustes(classical_mds(distances), spectral)
    assert from_mds < from_spectral / 2, (from_mds, from_spectral)
    with pytest.raises(ValueError, match="pass the MDS coordinates"):
        embed_umap_graph(nearest, near, 42, **params)


def graph_of(distances, k):
    """Each frame's ``k`` nearest frames and their distances, nearest first."""
    from framescape.distances.nearest import nearest_frames

    nearest = nearest_frames(distances, k)
    return nearest, np.take_along_axis(distances, nearest.astype(np.intp), axis=1)


@pytest.mark.parametrize("init", ["spectral", "mds"])
def test_umap_lays_identical_frames_out_once(bikes_distances, init, caplog):
    """Copies of real frames added: each copy where its frame is, and every
    frame where UMAP of the frames without copies puts it, to the bit, from
    the matrix and from the graph."""
    from framescape.embed.methods import embed_graph

    distances, _, _ = bikes_distances
    n = len(distances)
    frames = np.r_[np.arange(n), [5] * 4, [60] * 3, [n - 1] * 2]
    copied = distances[np.ix_(frames, frames)]
    params = {"n_neighbors": 15, "n_epochs": 20, "init": init}
    with caplog.at_level(logging.INFO, logger="framescape"):
        dense = embed(copied, "umap", 42, **params)
    assert f"UMAP of {len(frames)} frames laid out as {n} points" in caplog.text
    assert np.array_equal(dense[n:], dense[frames[n:]])
    if init == "spectral":
        # Without copies: the same frames, so the same layout.
        assert np.array_equal(dense, embed(distances, "umap", 42, **params)[frames])
    graph = embed_graph(
        len(frames),
        "umap",
        42,
        graph=graph_of(copied, 30),
        rows=lambda chosen: copied[chosen],
        **params,
    )
    assert np.array_equal(dense, graph)


def test_groups_of_identical_frames_and_their_nearest_groups():
    from framescape.embed.identical import apart, group_neighbours, groups_of_graph

    distances = circle_distances(40, noise=0.05)
    # Frame 3 four times more, frame 7 once, at the end.
    frames = np.r_[np.arange(40), [3] * 4, 7]
    copied = distances[np.ix_(frames, frames)]
    nearest, near = graph_of(copied, 44)
    count, labels = groups_of_graph(nearest, near)
    assert count == 40
    assert np.array_equal(labels, frames)
    groups, at = group_neighbours(labels, count, nearest, near, 10)
    expected, expected_at = graph_of(distances, 10)
    assert np.array_equal(groups, expected)
    assert np.array_equal(at, expected_at)
    # With 4 neighbours a frame, frame 3's five copies list only each other:
    # its group's neighbours are the frames that list one of them.
    nearest, near = nearest[:, :4], near[:, :4]
    groups, at = group_neighbours(labels, count, nearest, near, 4)
    assert set(groups[3, :2]) == set(expected[3, :2])
    assert np.array_equal(at[3, :2], expected_at[3, :2])
    # Padding: -1, at the last distance found.
    short = groups[:, -1] < 0
    assert short.any()
    last = (groups >= 0).sum(axis=1) - 1
    assert np.array_equal(at[short, -1], at[short, last[short]])
    # A group taken apart: its frames numbered again after those before.
    again, split = apart(labels, np.arange(count) != 3)
    assert again == 44
    assert np.array_equal(split[[3, 40, 41, 42, 43]], [3, 40, 41, 42, 43])
    assert np.array_equal(split[:40], np.arange(40))
    assert split[44] == split[7]


def circle_and(*others):
    """Distances of 40 points on a circle and then ``others``, the 4 nearest
    of each, and ``rows(frames)`` reading the matrix (the frames read kept in
    ``rows.read``)."""
    angles = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    points = np.r_[np.c_[np.cos(angles), np.sin(angles)], others]
    distances = squareform(pdist(points)).astype(np.float32)

    def rows(frames):
        rows.read.append(list(frames))
        return distances[frames]

    rows.read = []
    return distances, graph_of(distances, 4), rows


def test_umap_places_identical_frames_no_other_frame_lists(caplog):
    """Five copies of a frame far from the others, 4 neighbours a frame: no
    list joins them to another frame, and they are laid out one by one (UMAP
    leaves a point without neighbours undefined)."""
    from framescape.embed.neighbours import embed_umap_graph

    _, (nearest, near), _ = circle_and(*[[9.0, 9.0]] * 5, [1.0, 0.0])
    with caplog.at_level(logging.INFO, logger="framescape"):
        coordinates = embed_umap_graph(
            nearest, near, 42, n_neighbors=5, n_epochs=20, init="random"
        )
    assert np.isfinite(coordinates).all()
    assert "1 groups of identical frames are listed with no other frame: their 5" in caplog.text
    assert "UMAP of 46 frames laid out as 45 points" in caplog.text
    assert np.array_equal(coordinates[45], coordinates[0])
    assert len(np.unique(coordinates[40:45], axis=0)) == 5


def test_umap_measures_the_neighbours_of_identical_frames_no_other_lists(caplog):
    """The same five far copies, with each frame's distances to every frame
    at hand (as the workflow's graph path has them): their nearest groups are
    measured, and they are one point."""
    from framescape.embed.identical import group_graph
    from framescape.embed.methods import embed_graph

    distances, (nearest, near), rows = circle_and(*[[9.0, 9.0]] * 5, [1.0, 0.0])
    count, labels, groups, at = group_graph(nearest, near, 4, rows)
    assert rows.read == [[40]]
    assert count == 41
    closest = np.argsort(distances[40, :40], kind="stable")[:4]
    assert np.array_equal(groups[labels[40]], labels[closest])
    assert np.array_equal(at[labels[40]], distances[40, closest])
    with caplog.at_level(logging.INFO, logger="framescape"):
        coordinates = embed_graph(
            len(distances), "umap", 42, graph=(nearest, near), rows=rows,
            n_neighbors=5, n_epochs=20, init="random",
        )
    assert "UMAP of 46 frames laid out as 41 points" in caplog.text
    assert np.isfinite(coordinates).all()
    assert len(np.unique(coordinates[40:45], axis=0)) == 1


def test_identical_frames_measured_in_blocks_up_to_a_limit(monkeypatch, caplog):
    """Three far groups of copies that no list joins to another, two frames
    measured at a time: with room for all, each measured once, in two blocks;
    with room for two, the largest two measured and the smallest taken apart.
    Every point has neighbours and the layout is finite."""
    from framescape.embed import identical
    from framescape.embed.methods import embed_graph

    far = [[9.0, 9.0]] * 5 + [[-9.0, 9.0]] * 6 + [[9.0, -9.0]] * 7
    distances, (nearest, near), rows = circle_and(*far)
    monkeypatch.setattr(identical, "MEASURED_BLOCK", 2)
    count, _, groups, _ = identical.group_graph(nearest, near, 4, rows)
    assert count == 43
    assert rows.read == [[40, 45], [51]]
    assert (groups[:, 0] >= 0).all()
    rows.read.clear()
    monkeypatch.setattr(identical, "MEASURED_GROUPS", 2)
    with caplog.at_level(logging.INFO, logger="framescape"):
        count, _, groups, _ = identical.group_graph(nearest, near, 4, rows)
    assert rows.read == [[45, 51]]
    assert "1 groups of identical frames are listed with no other frame: their 5" in caplog.text
    assert count == 47
    assert (groups[:, 0] >= 0).all()
    coordinates = embed_graph(
        len(distances), "umap", 42, graph=(nearest, near), rows=rows,
        n_neighbors=5, n_epochs=20, init="random",
    )
    assert np.isfinite(coordinates).all()
    assert len(np.unique(coordinates[45:58], axis=0)) == 2


def test_umap_weighs_padded_neighbours_as_found_ones():
    """A point with fewer neighbours than UMAP's: its neighbourhood's scale
    from the distances found (finite), not from the padding."""
    import umap.umap_ as umap_module

    from framescape.embed.identical import group_graph

    distances = circle_distances(40, noise=0.05)
    frames = np.r_[np.arange(40), [3] * 9]
    nearest, near = graph_of(distances[np.ix_(frames, frames)], 6)
    _, _, groups, at = group_graph(nearest, near, 8)
    assert (groups[:, -1] < 0).any()
    knn = np.c_[np.arange(len(groups)), groups], np.c_[np.zeros(len(at)), at]
    sigmas, _ = umap_module.smooth_knn_dist(knn[1].astype(np.float32), 9.0)
    assert np.isfinite(sigmas).all()


@pytest.fixture(scope="module")
def bikes_distances(bikes):
    """bikes.mp4's 120 frames at 12 fps, 80×60: their gray distance matrix and
    each frame's 45 nearest frames (the graph for a perplexity of 15), nearest
    first."""
    from framescape.distances.matrices import gray_distances
    from framescape.distances.nearest import nearest_frames
    from framescape.frames.decode import MovieDecoder

    frames = np.stack(list(MovieDecoder(bikes, fps=12, width=80, height=60)))
    distances = gray_distances(frames)
    nearest = nearest_frames(distances, 45).astype(np.intp)
    return distances, nearest, np.take_along_axis(distances, nearest, axis=1)


def test_tsne_of_the_matrix_is_tsne_of_its_nearest_frames(bikes_distances):
    """One t-SNE: the dense path reads the matrix's 3 × perplexity nearest
    frames, so a neighbour graph that holds them gives the very same
    coordinates; another seed another map; a graph too short for the
    perplexity is an error."""
    from framescape.embed.methods import embed_graph
    from framescape.embed.neighbours import embed_tsne_graph

    distances, nearest, near = bikes_distances
    params = {"perplexity": 15.0, "max_iter": 300}
    dense = embed(distances, "tsne", 42, **params)
    graph = embed_graph(len(distances), "tsne", 42, graph=(nearest, near), **params)
    assert dense.shape == (len(distances), 2) and dense.dtype == np.float64
    assert np.array_equal(dense, graph)
    assert not np.array_equal(dense, embed(distances, "tsne", 43, **params))
    with pytest.raises(ValueError, match="the graph has 44 neighbours a frame"):
        embed_tsne_graph(nearest[:, :44], near[:, :44], 42, **params)


def test_tsne_keeps_each_frames_nearest_frames(bikes_distances):
    """Real frames (bikes.mp4): each frame's 10 nearest on the map are, but for
    a few, its 10 nearest in the matrix; the same neighbour lists handed to the
    wrong frames make a map that keeps few of them."""
    from sklearn.manifold import trustworthiness

    from framescape.embed.neighbours import embed_tsne_graph

    distances, nearest, near = bikes_distances

    def trust(coordinates):
        return trustworthiness(
            distances, coordinates, n_neighbors=10, metric="precomputed"
        )

    params = {"perplexity": 15.0, "max_iter": 300}
    kept = trust(embed(distances, "tsne", 42, **params))
    misplaced = trust(
        embed_tsne_graph(
            np.roll(nearest, 24, axis=0), np.roll(near, 24, axis=0), 42, **params
        )
    )
    assert kept > 0.97 and misplaced < 0.9  # 0.991 and 0.644 at seed 42


@pytest.mark.parametrize("gradients", ["Barnes-Hut", "FFT"])
def test_tsne_from_the_graph_is_the_same_whatever_the_threads(
    bikes_distances, monkeypatch, gradients
):
    from framescape.embed import neighbours as module

    if gradients == "FFT":
        monkeypatch.setattr(module, "TSNE_FFT_POINTS", 0)
    _, nearest, near = bikes_distances
    # 25 iterations, all early exaggeration: every gradient step of the method.
    params = {"perplexity": 15.0, "max_iter": 25}
    once = module.embed_tsne_graph(nearest, near, 42, threads=1, **params)
    for threads in (2, 3):
        again = module.embed_tsne_graph(nearest, near, 42, threads=threads, **params)
        assert np.array_equal(once, again)
    other = module.embed_tsne_graph(nearest, near, 43, threads=2, **params)
    assert not np.array_equal(once, other)


@pytest.mark.parametrize("gradients", ["Barnes-Hut", "FFT"])
def test_tsne_from_the_graph_logs_its_progress(
    bikes_distances, monkeypatch, caplog, gradients
):
    """Progress can be logged after every iteration (here every one is), up to
    the last of ``max_iter``, without changing the map (openTSNE computes the
    KL divergence for each callback: the map is the same without), with either
    way of computing the gradients."""
    from framescape.embed import neighbours as module
    from framescape.run import progress

    _, nearest, near = bikes_distances
    if gradients == "FFT":
        monkeypatch.setattr(module, "TSNE_FFT_POINTS", 1)
    params = {"perplexity": 10.0, "max_iter": 260}
    quiet = module.embed_tsne_graph(nearest, near, 42, **params)
    monkeypatch.setattr(progress, "EVERY", 0.0)
    monkeypatch.setattr(module, "PROGRESS_POINT_ITERATIONS", 1)
    monkeypatch.setattr(module, "MIN_CALLBACK_ITERATIONS", 1)
    with caplog.at_level(logging.INFO, logger="framescape"):
        logged = module.embed_tsne_graph(nearest, near, 42, **params)
    lines = [r.getMessage() for r in caplog.records if r.msg.startswith("%s: %s of")]
    assert len(lines) == 260
    assert lines[0].startswith("t-SNE: 1 of 260 iterations")
    assert lines[-1].startswith("t-SNE: 260 of 260 iterations (100 %)")
    assert np.array_equal(quiet, logged)


LANDMARK_MDS_IN_A_FRESH_PROCESS = """
import sys
from framescape.embed import jobs, mds
frames_npy, output, metric, threads = sys.argv[1:]
mds.LANDMARKS = 16
chosen = mds.even_landmarks


def landmarks(n, count):
    print(len(chosen(n, count)))
    return chosen(n, count)


mds.even_landmarks = landmarks
import numba
print(numba.get_num_threads())
jobs.embed_step({"frames": frames_npy}, output, "mds", metric, {}, 42, int(threads),
                None, "bikes")
"""


@pytest.mark.parametrize("metric", ["gray", "hsl"])
def test_landmark_mds_of_a_long_movie_is_the_same_whatever_the_threads(
    bikes_frames, tmp_path, metric
):
    """Rule embed's MDS on the long-movie path (16 landmarks of 80 frames: their
    distances to every frame, then each frame placed from them), each run in a
    process of its own with numba's and BLAS's threads at 1 and at 2: the same
    bytes. The job asks for one thread; run with --set-threads it gets
    more."""
    frames = np.concatenate([bikes_frames, bikes_frames[::-1, :, ::-1]])
    frames_npy = tmp_path / "frames.npy"
    np.save(frames_npy, frames)
    written = []
    for threads in (1, 2):
        output = tmp_path / f"mds_{threads}.npy"
        printed = run_with_threads(
            LANDMARK_MDS_IN_A_FRESH_PROCESS,
            *(frames_npy, output, metric, threads),
            threads=threads,
        )
        # Its threads, then its landmarks (not every frame one).
        assert printed.split() == [str(threads), "16"]
        written.append(output.read_bytes())
    assert np.load(tmp_path / "mds_1.npy").shape == (len(frames), 2)
    assert written[0] == written[1]
