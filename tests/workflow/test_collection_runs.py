"""The folder map through the workflow: a folder of one movie makes none;
failed movies are left out and named; no readable movie, no page."""

import json
import shutil

from framescape.testing import (
    DEMO_MOVIE,
    REPO,
    copy_movie,
    logged_jobs,
    make_movie,
    snakemake,
)


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
    assert {"embed", "make_index", "reuse"} <= planned
    assert not {rule for rule in planned if rule.startswith("collection_")}


def test_failed_movies_are_left_out_and_named(tmp_path):
    """A bad file stops the folder map of the run it fails in (its frames were
    planned); the next run leaves it out and names it on the page. A folder of
    bad files only: one warning line, no page."""
    movies = tmp_path / "movies"
    movies.mkdir()
    copy_movie(DEMO_MOVIE, movies, "demo_year.mp4")
    make_movie(movies / "clip.mp4", seconds=3)
    (movies / "notes.mp4").write_text("shopping list\n")
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    first = run_folder(tmp_path, check=False)
    assert first.returncode != 0
    assert "run the same command again" in first.stderr
    assert not (tmp_path / "results/collection.json").exists()
    second = run_folder(tmp_path, check=False)
    folder = json.loads((tmp_path / "results/collection.json").read_text())
    assert {item["movie"] for item in folder} == {"demo_year", "clip"}
    assert len(folder) == 365 + 3
    page = (tmp_path / "results/collection.html").read_text()
    assert "notes.mp4" in page and "moov atom not found" in page
    assert "collection.html" in (tmp_path / "results/index.html").read_text()
    assert second.returncode != 0  # the bad file is tried again and fails again

    (movies / "demo_year.mp4").unlink()
    (movies / "clip.mp4").unlink()
    third = run_folder(tmp_path, "--dry-run", check=False)
    warning = "no readable movie for the folder map: collection.html is not made"
    # Snakemake logs to standard output on dry runs.
    output = third.stdout + third.stderr
    assert output.count(warning) == 1, output[-2000:]
    assert "collection_json" not in third.stdout
