"""The folder map through the workflow: a folder of one movie makes none
(failed movies left out and named: test_folder_failures.py)."""

import shutil

from framescape.testing import (
    DEMO_MOVIE,
    REPO,
    copy_movie,
    logged_jobs,
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
