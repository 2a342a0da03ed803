"""Shared fixtures: real frames, the shared workflow runs, and the marker of
each test's folder (tests/unit, tests/workflow, tests/browser, tests/slurm).
What the tests share besides fixtures is in :mod:`framescape.testing`."""

from pathlib import Path

import numpy as np
import pytest

from framescape.testing import (
    DEMO_MOVIE,
    HOSTILE_NAME,
    LONG_FRAMES,
    LONG_GRAPH,
    LONG_TARGETS,
    MARKUP_NAME,
    REAL_NAME,
    copy_movie,
    long_movie_folder,
    real_movie,
    snakemake,
    write_config,
)

TESTS = Path(__file__).resolve().parent
# Each folder's tests carry its name as a marker (pyproject.toml registers them).
FOLDERS = ("unit", "workflow", "browser", "slurm")


# The session fixtures that run the workflow (minutes each): pytest-xdist's
# workers (pyproject.toml, addopts) take every test that needs one of them as
# one group, so that one worker makes each and no other makes it again. The
# cluster tests compare their runs with the long ones: one group, the other
# worker meanwhile takes the shared run's.
SHARED_RUNS = {
    "workflow_run": "shared-runs",
    "long_whole": "long-runs",
    "long_graph": "long-runs",
    "cluster": "long-runs",
    "catalogue": "bad-input",
}


def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (pyproject.toml): no workers for the unit tests alone (two
    would start slower than these run); else the machine's cores, at most
    ``--maxprocesses``."""
    asked = [Path(arg.split("::")[0]).resolve() for arg in config.args]
    if asked and all(path.is_relative_to(TESTS / "unit") for path in asked):
        return 0
    return None


# First: pytest-xdist reads the groups in its own hook of the same name.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        try:
            folder = item.path.resolve().relative_to(TESTS).parts[0]
        except ValueError:
            continue
        if folder not in FOLDERS:
            raise pytest.UsageError(
                f"{item.nodeid}: tests live in tests/{{{','.join(FOLDERS)}}}/"
            )
        item.add_marker(folder)
        groups = {SHARED_RUNS[name] for name in item.fixturenames if name in SHARED_RUNS}
        if len(groups) > 1:
            raise pytest.UsageError(f"{item.nodeid}: runs of two groups")
        if groups:
            item.add_marker(pytest.mark.xdist_group(groups.pop()))


@pytest.fixture(scope="session")
def bikes():
    return real_movie("bikes.mp4")


@pytest.fixture(scope="session")
def bikes_frames(bikes):
    """The first 40 frames of bikes.mp4 at 25 fps, 80×60."""
    from framescape.frames.decode import MovieDecoder

    decoder = MovieDecoder(bikes, fps=25, width=80, height=60)
    return np.stack([frame for _, frame in zip(range(40), decoder)])


@pytest.fixture(scope="session")
def workflow_run(tmp_path_factory, bikes):
    """A finished run over the demo, bikes.mp4 at 25 fps (under an odd name) and
    two copies of it at 1 fps under hostile names: ``(workdir, result)``."""

    workdir = tmp_path_factory.mktemp("workflow")
    movies = workdir / "movies"
    movies.mkdir()
    copy_movie(DEMO_MOVIE, movies, "demo_year.mp4")
    copy_movie(bikes, movies, REAL_NAME)
    copy_movie(bikes, movies, HOSTILE_NAME)
    copy_movie(bikes, movies, MARKUP_NAME)
    write_config(workdir, movie_overrides={REAL_NAME: {"fps": 25}})
    result = snakemake(workdir)
    return workdir, result


@pytest.fixture(scope="session")
def long_whole(tmp_path_factory):
    """The long movie's distance matrices, each computed by one job (no tiles):
    the results folder."""
    workdir = long_movie_folder(tmp_path_factory.mktemp("long-whole"), tile_frames=2048)
    snakemake(workdir, "--", *LONG_TARGETS)
    assert len(np.load(workdir / LONG_TARGETS[0])) == LONG_FRAMES
    assert not (workdir / "results/demo_year/tiles").exists()
    return workdir / "results"


@pytest.fixture(scope="session")
def long_graph(tmp_path_factory):
    """The long movie's whole run on the graph path: ``(workdir, output)``."""
    workdir = long_movie_folder(tmp_path_factory.mktemp("long-graph"), **LONG_GRAPH)
    result = snakemake(workdir)
    return workdir, result.stdout + result.stderr
