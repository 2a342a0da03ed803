"""A long movie on the neighbour-graph path, through the ``snakemake`` command:
the same movie as the tiled-matrix tests (the demo at 3 fps and 80×60, 1,095
frames) with dense_max_frames below its length, against the dense path's
matrices and maps; what reruns."""

import json
import re

import numpy as np
import pytest
import yaml
from sklearn.manifold import trustworthiness

from framescape.distances.nearest import nearest_frames
from framescape.graph.parameters import candidate_count, candidate_limit
from framescape.pages.plots import block_mean
from framescape.run.config import graph_neighbours, validate_config
from framescape.testing import (
    LONG_FRAMES,
    LONG_TSNE,
    REPO,
    logged_jobs,
    peaks_above_asked,
    planned_jobs,
    snakemake,
    write_config,
)

METRICS = ("gray", "hsl")
MAPS = [
    f"{method}_{metric}" for metric in METRICS for method in ("mds", "tsne", "umap")
]


@pytest.fixture(scope="module")
def dense_maps(long_whole):
    """The dense path's coordinates of the same movie, from its matrices."""
    workdir = long_whole.parent
    targets = [f"results/demo_year/embeddings/{name}.npy" for name in MAPS]
    changed = write_config(
        workdir, workdir / "config.yaml", "maps.yaml", tsne=LONG_TSNE
    )
    snakemake(workdir, "--", *targets, configfile=changed)
    return {
        name: np.load(long_whole.parent / target) for name, target in zip(MAPS, targets)
    }


def config_of(workdir):
    """The run's config with the schema's defaults, as the workflow reads it."""
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    return validate_config(config, REPO / "workflow/schemas/config.schema.yaml")


def test_no_matrix_and_blocks_as_jobs(long_graph):
    """No (N, N) array anywhere; a candidate pass and three re-rank jobs a
    metric, their parts removed."""
    workdir, output = long_graph
    results = workdir / "results"
    jobs = [rule for rule, w in logged_jobs(output) if w.startswith("movie=demo_year")]
    assert jobs.count("graph_candidates") == 2
    assert jobs.count("graph_rerank") == 2 * 3
    assert "compute_distances" not in jobs
    assert not (results / "demo_year" / "distances").exists()
    assert not list((results / "demo_year" / "graph_parts").glob("*"))
    for path in results.rglob("*.np[yz]"):
        arrays = np.load(path)
        shapes = (
            [arrays[name].shape for name in arrays.files]
            if path.suffix == ".npz"
            else [arrays.shape]
        )
        assert all(shape[:2] != (LONG_FRAMES, LONG_FRAMES) for shape in shapes), path
    log = (results / "demo_year/logs/neighbour_graph_hsl.log").read_text()
    assert "neighbour graph of 1095 frames from 3 blocks" in log
    log = (results / "demo_year/logs/neighbour_graph_gray.log").read_text()
    assert "% of frames certified by the first re-rank" in log


def recall(found, truth):
    """Share of each row's true neighbours among the found ones."""
    hits = [len(np.intersect1d(a, b)) for a, b in zip(found, truth)]
    return sum(hits) / truth.size


def test_no_job_peaks_above_the_memory_it_asked_for(long_graph):
    """Each job's own peak (the kernel's count, in the usage line its log ends
    with) within the ``mem_mb`` it asked for, which a SLURM job is held to:
    the graph's tiles, re-ranks and merges, the landmark MDS and the maps."""
    workdir, output = long_graph
    above, rules, unread = peaks_above_asked(workdir, output)
    assert not unread
    graph = {"graph_candidates", "graph_rerank", "neighbour_graph", "embed"}
    assert graph <= rules, rules
    assert not above


def test_graph_and_heatmap_against_the_matrix(long_graph, long_whole):
    """gray: each frame's neighbours as the matrix ranks them, at its distances;
    hsl: at least 99 % of them, at the matrix's distances (float32 rounding);
    the viewer's nearest frames likewise; the heatmap the matrix's block
    averages at the reduced size, below the full-size ones."""
    workdir, _ = long_graph
    config = config_of(workdir)
    folder = workdir / "results" / "demo_year"
    for metric in METRICS:
        matrix = np.load(long_whole / "demo_year" / "distances" / f"{metric}.npy")
        with np.load(folder / "graph" / f"{metric}.npz") as graph:
            indices, distances = graph["indices"], graph["distances"]
        k = graph_neighbours(config, metric, LONG_FRAMES)
        assert indices.shape == distances.shape == (LONG_FRAMES, k) and k >= 91
        exact = nearest_frames(matrix, k)
        stored = np.take_along_axis(matrix, indices, axis=1)
        nearest = np.load(folder / "nearest" / f"{metric}.npy")
        wanted = nearest_frames(matrix, nearest.shape[1])
        if metric == "gray":
            assert np.array_equal(indices, exact)
            assert np.array_equal(distances, stored)
            assert np.array_equal(nearest, wanted)
        else:
            assert recall(indices, exact) >= 0.99
            # The sample's estimate, in the candidate job's log, is the graph's.
            log = (folder / "logs" / "graph_candidates_hsl.log").read_text()
            count, kept, estimate = re.search(
                r"(\d+) of the (\d+) candidates a frame are re-ranked: they hold "
                r"([\d.]+) of the true \d+ nearest of 64 frames",
                log,
            ).groups()
            least = candidate_count(metric, k, LONG_FRAMES)
            assert int(kept) == candidate_limit(metric, k, LONG_FRAMES)
            assert least <= int(count) <= int(kept)
            assert abs(float(estimate) - recall(indices, exact)) <= 0.01
            np.testing.assert_allclose(distances, stored, rtol=1e-5, atol=2e-6)
            assert (np.diff(distances, axis=1) >= 0).all()
            assert recall(nearest, wanted) >= 0.99
        expected, block = block_mean(matrix)
        heatmap = np.load(folder / "graph" / f"{metric}_heatmap.npy")
        assert block == 2 and heatmap.shape == expected.shape == (548, 548)
        assert np.corrcoef(heatmap.ravel(), expected.ravel())[0, 1] >= 0.99
        # Block means of frames are closer than the frames (gray: up to the
        # means' rounding to bytes).
        assert (heatmap <= expected + (0.5 if metric == "gray" else 1e-5)).all()


def test_maps_as_trustworthy_as_the_dense_maps(long_graph, long_whole, dense_maps):
    """Trustworthiness (k = 10, against the movie's own distances) of each graph
    map within 0.02 of the dense path's map, and the year still a loop."""
    workdir, _ = long_graph
    items = json.loads((workdir / "results" / "demo_year.json").read_text())
    assert len(items) == LONG_FRAMES and set(MAPS) <= set(items[0])
    angles = 2 * np.pi * np.arange(LONG_FRAMES) / LONG_FRAMES
    circle = np.c_[np.cos(angles), np.sin(angles)]
    scores = {}
    for name in MAPS:
        metric = name.split("_")[1]
        matrix = np.load(long_whole / "demo_year" / "distances" / f"{metric}.npy")
        graph = np.array([item[name] for item in items])
        scores[name] = [
            trustworthiness(matrix, coordinates, n_neighbors=10, metric="precomputed")
            for coordinates in (graph, dense_maps[name])
        ]
        assert scores[name][0] >= scores[name][1] - 0.02, (name, scores[name])
        assert trustworthiness(circle, graph, n_neighbors=15) >= 0.9, name
    print(scores)


def test_what_reruns_on_the_graph_path(long_graph):
    workdir, _ = long_graph
    assert planned_jobs(workdir) == []

    def rules_after(**changes):
        changed = write_config(
            workdir, workdir / "config.yaml", "changed.yaml", **changes
        )
        jobs = planned_jobs(workdir, changed)
        return sorted({rule for rule, _ in jobs}), jobs

    # The viewer's neighbours: within the graph's k, nothing but the pages.
    rules, _ = rules_after(view={"neighbours": 10, "thumbnails": 6})
    assert "graph_rerank" not in rules and "nearest_frames" in rules
    # dense_max_frames above the movie's length: the dense path, frames kept.
    rules, jobs = rules_after(dense_max_frames=2000)
    assert "compute_distances" in rules and "extract_frames" not in rules
    assert "graph_candidates" not in rules and "graph_rerank" not in rules
    # Still below: nothing.
    assert rules_after(dense_max_frames=900)[1] == []
    # More UMAP neighbours for gray: a bigger gray graph, hsl untouched.
    rules, jobs = rules_after(umap={"n_neighbors": {"gray": 120, "hsl": "auto"}})
    graph_jobs = [w for rule, w in jobs if rule.startswith("graph_")]
    assert (
        sorted(rule for rule, _ in jobs if rule.startswith("graph_"))
        == ["graph_candidates"] + ["graph_rerank"] * 3
    )
    assert all("metric=gray" in w for w in graph_jobs)
    embeds = sorted(w for rule, w in jobs if rule == "embed")
    assert embeds == [
        f"movie=demo_year, method={method}, metric=gray" for method in ("tsne", "umap")
    ]  # landmark MDS does not read the graph
    # A smaller perplexity: fewer neighbours kept, both graphs again, not MDS.
    tsne = dict(LONG_TSNE, perplexity=20)
    rules, jobs = rules_after(tsne=tsne)
    assert len([w for rule, w in jobs if rule == "neighbour_graph"]) == 2
    assert not any("method=mds" in w for rule, w in jobs if rule == "embed")
