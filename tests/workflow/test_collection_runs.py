"""The folder map through the workflow: a folder of one movie makes none
(failed movies left out and named: test_folder_failures.py)."""

import json
import shutil

import numpy as np

from framescape.distances.matrices import compute_distances
from framescape.distances.nearest import nearest_frames
from framescape.testing import (
    DEMO_MOVIE,
    REPO,
    copy_movie,
    logged_jobs,
    peaks_above_asked,
    snakemake,
    write_config,
)

COLLECTION = "collection"


def run_folder(workdir, *args, check=True):
    return snakemake(workdir, "--keep-going", *args, check=check)


def test_a_folder_of_one_movie_makes_no_second_map_of_it(tmp_path):
    """One movie: no folder map (its own map is the folder's), one line saying
    so, and the index without a link to it."""
    movies = tmp_path / "movies"
    movies.mkdir()
    copy_movie(DEMO_MOVIE, movies, "demo_year.mp4")
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    result = run_folder(tmp_path, "--dry-run")
    output = result.stdout + result.stderr
    line = "one readable movie: no folder map (its own map is the folder's)"
    assert output.count(line) == 1, output[-2000:]
    planned = {rule for rule, _ in logged_jobs(output)}
    assert {"embed", "make_index", "reuse_descriptors", "reuse_script"} <= planned
    assert not {rule for rule in planned if rule.startswith("collection_")}


def test_a_folder_past_index_frames_takes_the_index(tmp_path, bikes):
    """A folder of more than collection.index_frames frames (0 here) finds its
    nearest frames through the index's rules, not the pairs' passes (gray's
    blocks refined, hsl's not: REFINE_WIDTH); its graph is the exact one
    (every frame a candidate at this size), its maps are made from it; a
    larger index_frames takes the pairs' path again and remakes the maps."""
    movies = tmp_path / "movies"
    movies.mkdir()
    copy_movie(DEMO_MOVIE, movies, "demo_year.mp4")
    copy_movie(bikes, movies, "bikes.mp4")

    def configure(index_frames):
        write_config(
            tmp_path,
            metrics=["gray"],
            methods=["mds"],
            reuse={"enabled": False},
            shots={"enabled": False},
            collection={
                "metrics": ["gray", "hsl"],
                "methods": ["umap"],
                "index_frames": index_frames,
            },
        )

    configure(0)
    target = "results/collection.json"
    output = run_folder(tmp_path, target).stderr
    jobs = logged_jobs(output)
    folder = sorted(rule for rule, w in jobs if w.startswith(f"movie={COLLECTION},"))
    assert folder.count("index_build") == folder.count("index_graph") == 2, jobs
    assert folder.count("index_search") == 2
    assert folder.count("index_join") == folder.count("index_refine") == 1
    assert not {"graph_candidates", "graph_rerank", "neighbour_graph"} & set(folder)
    results = tmp_path / "results"
    frames = np.load(results / COLLECTION / "frames.npy")
    for metric in ("gray", "hsl"):
        with np.load(results / COLLECTION / "graph" / f"{metric}_index.npz") as graph:
            indices, distances = graph["indices"], graph["distances"]
        matrix = compute_distances(frames, metric)
        truth = nearest_frames(matrix, indices.shape[1])
        assert (indices == truth).mean() > 0.999, metric
        stored = np.take_along_axis(matrix, indices.astype(np.int64), axis=1)
        assert np.allclose(distances, stored, rtol=0, atol=5e-5), metric
    assert json.loads((results / f"{COLLECTION}.json").read_text())
    # Each index job's own peak within what it asked for its step (index.resources).
    above, rules, unread = peaks_above_asked(tmp_path, output)
    assert not unread
    assert {"index_build", "index_search", "index_join", "index_refine"} <= rules
    assert "index_graph" in rules and not above
    configure(10**6)
    planned = {rule for rule, _ in logged_jobs(run_folder(tmp_path, target, "-n").stdout)}
    assert {"graph_candidates", "embed", "collection_json"} <= planned, planned
    assert not {rule for rule in planned if rule.startswith("index_")}
