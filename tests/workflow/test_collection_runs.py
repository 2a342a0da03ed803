"""The folder map through the workflow: one movie's folder map is its own map;
failed movies are left out and named; no readable movie, no page."""

import json
import shutil

from framescape.testing import (
    DEMO_MOVIE,
    REPO,
    copy_movie,
    snakemake,
    write_config,
)


def run_folder(workdir, *args, check=True):
    return snakemake(workdir, "--keep-going", *args, check=check)


def test_one_movie_gives_its_own_map_at_the_common_size(tmp_path):
    """The movie compared at 40×30 on the neighbour-graph path, with the
    folder map's neighbours, perplexity and UMAP start: every map the same
    numbers."""
    movies = tmp_path / "movies"
    movies.mkdir()
    copy_movie(DEMO_MOVIE, movies, "demo_year.mp4")
    settings = {
        "n_neighbors": 20,
        "perplexity": 10,
        "frame_width": 40,
        "frame_height": 30,
    }
    write_config(
        tmp_path,
        frame_width=40,
        frame_height=30,
        dense_max_frames=1,
        umap={"n_neighbors": 20, "init": "mds"},
        tsne={"perplexity": 10},
        collection={
            **settings,
            "metrics": ["gray", "hsl"],
            "methods": ["mds", "tsne", "umap"],
        },
    )
    snakemake(tmp_path, "--", "results/demo_year.json", "results/collection.json")
    own = json.loads((tmp_path / "results/demo_year.json").read_text())
    folder = json.loads((tmp_path / "results/collection.json").read_text())
    assert len(folder) == len(own) == 365
    for mine, theirs in zip(own, folder):
        assert theirs == {"movie": "demo_year", **mine}


def test_failed_movies_are_left_out_and_named(tmp_path):
    """A bad file stops the folder map of the run it fails in (its frames were
    planned); the next run leaves it out and names it on the page. A folder of
    bad files only: one warning line, no page."""
    movies = tmp_path / "movies"
    movies.mkdir()
    copy_movie(DEMO_MOVIE, movies, "demo_year.mp4")
    (movies / "notes.mp4").write_text("shopping list\n")
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    first = run_folder(tmp_path, check=False)
    assert first.returncode != 0
    assert "run the same command again" in first.stderr
    assert not (tmp_path / "results/collection.json").exists()
    second = run_folder(tmp_path, check=False)
    folder = json.loads((tmp_path / "results/collection.json").read_text())
    assert {item["movie"] for item in folder} == {"demo_year"} and len(folder) == 365
    page = (tmp_path / "results/collection.html").read_text()
    assert "notes.mp4" in page and "moov atom not found" in page
    assert "collection.html" in (tmp_path / "results/index.html").read_text()
    assert second.returncode != 0  # the bad file is tried again and fails again

    (movies / "demo_year.mp4").unlink()
    third = run_folder(tmp_path, "--dry-run", check=False)
    warning = "no readable movie for the folder map: collection.html is not made"
    # Snakemake logs to standard output on dry runs.
    output = third.stdout + third.stderr
    assert output.count(warning) == 1, output[-2000:]
    assert "collection_json" not in third.stdout
