"""The whole workflow through the ``snakemake`` command, as a user runs it: the
demo year, a real movie at full frame rate and a hostile file name; what reruns
after each config change (docs/configuration.md, "What runs again"); bad movies
with --keep-going."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from sklearn.manifold import trustworthiness

from framescape.common import load_tsv
from framescape.distances.tiles import tile_pairs
from framescape.run.movies import read_movies_tsv
from framescape.testing import (
    DEMO_MOVIE,
    HOSTILE_ID,
    HOSTILE_NAME,
    LONG_TARGETS,
    MARKUP_ID,
    MOVIES,
    REAL_ID,
    REAL_NAME,
    REPO,
    copy_movie,
    long_movie_folder,
    make_movie,
    peaks_above_asked,
    planned_jobs,
    snakemake,
    snakemake_command,
    start_snakemake,
    wait_until,
    write_config,
)

PAIRS = [
    f"{method}_{metric}"
    for metric in ("gray", "hsl")
    for method in ("mds", "tsne", "umap")
]


@pytest.fixture(scope="module")
def run(workflow_run):
    return workflow_run


def load_results(workdir, movie):
    return json.loads((workdir / "results" / f"{movie}.json").read_text())


def test_no_job_peaks_above_the_memory_it_asked_for(run):
    """Each job's own peak (the kernel's count, in the usage line its log ends
    with) within the ``mem_mb`` it asked for, which a SLURM job is held to:
    every kind of job the repository's config runs, the folder's included."""
    workdir, result = run
    above, rules, unread = peaks_above_asked(workdir, result.stdout + result.stderr)
    assert not unread
    estimated = {"compute_distances", "embed", "reuse", "collection_frames"}
    estimated |= {"collection_join", "collection_json", "collection_page"}
    assert estimated | {"extract_frames", "make_viewer"} <= rules, rules
    assert not above


def test_every_movie_gets_its_json(run):
    workdir, _ = run
    for movie, count in MOVIES.items():
        items = load_results(workdir, movie)
        assert len(items) == count
        assert [item["frame"] for item in items] == list(range(count))
        times = [item["time"] for item in items]
        assert times == sorted(times) and times[0] == 0.0
        for item in items[:: max(1, count // 20)]:
            assert set(item) == {"src", "frame", "time", *PAIRS}
            assert (workdir / "results" / item["src"]).is_file()
            for pair in PAIRS:
                x, y = item[pair]
                assert 0.1 <= x <= 0.9 and 0.1 <= y <= 0.9
        for pair in PAIRS:
            coordinates = np.array([item[pair] for item in items])
            assert coordinates.min(axis=0) == pytest.approx([0.1, 0.1])
            assert coordinates.max(axis=0) == pytest.approx([0.9, 0.9])


def test_intermediate_files(run):
    workdir, _ = run
    results = workdir / "results" / REAL_ID
    frames = np.load(results / "frames.npy")
    assert frames.shape == (250, 240, 320, 3)
    assert len(list((results / "frames").glob("*.png"))) == 250
    for metric in ("gray", "hsl"):
        distances = np.load(results / "distances" / f"{metric}.npy")
        assert distances.shape == (250, 250) and distances.dtype == np.float32
        assert np.array_equal(distances, distances.T)
    for pair in PAIRS:
        assert np.load(results / "embeddings" / f"{pair}.npy").shape == (250, 2)
        assert (results / "logs").is_dir() and (results / "benchmarks").is_dir()
    assert os.readlink(results / "source.mp4").endswith(f"movies/{REAL_NAME}")


def test_movies_tsv_lists_original_names(run):
    workdir, _ = run
    rows = read_movies_tsv(workdir / "results" / "movies.tsv")
    by_id = {row["movie"]: row for row in rows}
    assert set(by_id) == set(MOVIES)
    assert by_id[HOSTILE_ID]["file"] == HOSTILE_NAME
    assert by_id[REAL_ID]["file"] == REAL_NAME
    assert by_id[REAL_ID]["frames"] == "250"
    assert by_id["demo_year"]["duration"] == "365.0"
    assert {row["status"] for row in rows} == {"ok"}


def test_hostile_name_runs_nothing(run):
    workdir, _ = run
    assert not list(workdir.rglob("PWNED"))
    assert not (REPO / "PWNED").exists()


def test_demo_year_closes_into_a_loop(run):
    """Consecutive days stay neighbours: trustworthiness of each map against the
    day-of-year circle (ground truth of framescape.demo) above each method's
    floor."""
    workdir, _ = run
    items = load_results(workdir, "demo_year")
    angles = 2 * np.pi * np.arange(len(items)) / len(items)
    truth = np.c_[np.cos(angles), np.sin(angles)]
    floors = {"mds": 0.93, "tsne": 0.95, "umap": 0.95}
    for pair in PAIRS:
        coordinates = np.array([item[pair] for item in items])
        score = trustworthiness(truth, coordinates, n_neighbors=5)
        assert score >= floors[pair.split("_")[0]], (pair, score)


def test_second_run_has_nothing_to_do(run):
    workdir, _ = run
    result = snakemake(workdir)
    output = result.stdout + result.stderr
    # Snakemake names each job's reason (a changed parameter, newer input …).
    assert "Nothing to be done" in output, output[-4000:]


# Libraries only the steps need: planning a run must not pay for importing them.
HEAVY = {"numba", "bokeh", "matplotlib", "umap", "sklearn"}


def test_planning_a_run_imports_no_heavy_library(run):
    """A dry run that plans every step again (the Snakefile, config check, input
    functions after the frame-count checkpoint, resources from the .npy headers)
    imports none of HEAVY, by Python's own import log (-X importtime)."""
    workdir, _ = run
    command = snakemake_command(workdir, "--dry-run", "--forcerun", "compute_distances")
    assert command[0] == sys.executable
    result = subprocess.run(
        [sys.executable, "-X", "importtime", *command[1:]],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=workdir,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "embed" in result.stdout  # the layouts were planned
    imported = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert {"snakemake", "framescape", "numpy"} <= imported  # the log is read
    assert not imported & HEAVY, sorted(imported & HEAVY)


def changed_config(workdir, **changes):
    """The run's config with ``changes``, as a second file beside it."""
    return write_config(workdir, workdir / "config.yaml", "changed.yaml", **changes)


def jobs_by_rule(jobs):
    rules = {}
    for rule, wildcards in jobs:
        rules.setdefault(rule, []).append(wildcards)
    return rules


ALL_MOVIES_JOBS = ["list_movies", "make_index", "all"]
# The folder map's id: its steps are a movie's, with this id.
COLLECTION = "collection"
# The folder map's jobs after any movie is added, replaced or removed: the
# joined frames, counted, their maps (the neighbour graph joins the plan once
# they are counted) and results/collection.*.
FOLDER_RULES = ["collection_join", "collection_json", "collection_page"]
# The reuse stage over all movies: results/reuse.tsv and reuse.js.
REUSE_JOBS = ["reuse", "reuse_script"]
# The shot stage over all movies: results/shots.tsv.
SHOT_FOLDER_JOBS = ["shot_table"]
FOLDER_JOBS = (
    FOLDER_RULES
    + ["count_frames"]
    + ["embed"] * 4
    + ["scale"] * 4
    + REUSE_JOBS
    + SHOT_FOLDER_JOBS
)
# A movie's own shot jobs (tests/workflow/test_shots.py has their reruns).
SHOT_JOBS = [
    "shot_features",
    "shot_list",
    "shot_exports",
    "plot_barcode",
    "plot_cutting_rate",
]
# Every job a dry run plans for one new or replaced movie, and the jobs over all
# movies. Its distances join the plan once its frames are counted (they may be
# matrices or, for a long movie, neighbour graphs): not yet in a dry run.
ONE_MOVIE_JOBS = (
    ["link_movie", "probe_movie", "extract_frames", "count_frames"]
    + ["embed"] * 6
    + ["scale"] * 6
    + ["merge_json", "plot_maps", "make_viewer"]
    + ["plot_distances", "nearest_frames"] * 2
    + ["collection_frames", "reuse_descriptors"]
    + SHOT_JOBS
    + ALL_MOVIES_JOBS
    + FOLDER_JOBS
)
# Jobs that follow a movie's JSON: its plots and pages.
AFTER_JSON = {"merge_json", "plot_maps", "make_viewer", "make_index", "all"}


def test_rerun_umap_neighbours_only_reruns_umap_and_after(run):
    workdir, _ = run
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    umap = dict(config["umap"], n_neighbors={"gray": 30, "hsl": "auto"})
    jobs = jobs_by_rule(planned_jobs(workdir, changed_config(workdir, umap=umap)))
    assert set(jobs) == {"embed", "scale"} | AFTER_JSON
    for rule in ("embed", "scale"):
        assert len(jobs[rule]) == len(MOVIES)
        assert all("method=umap" in w and "metric=gray" in w for w in jobs[rule])
    for rule in ("merge_json", "plot_maps", "make_viewer"):
        assert len(jobs[rule]) == len(MOVIES)


def test_rerun_frame_size_reruns_everything(run):
    workdir, _ = run
    jobs = planned_jobs(workdir, changed_config(workdir, frame_width=160))
    folder = [(rule, w) for rule, w in jobs if w.startswith(f"movie={COLLECTION}")]
    assert (
        sorted(rule for rule, _ in folder)
        == ["count_frames"] + ["embed"] * 4 + ["scale"] * 4
    )
    jobs = jobs_by_rule(set(jobs) - set(folder))
    assert len(jobs["collection_frames"]) == len(MOVIES)
    movies = len(MOVIES)
    assert len(jobs["extract_frames"]) == len(jobs["count_frames"]) == movies
    # Matrix or neighbour graph: known once the new frames are counted.
    assert "compute_distances" not in jobs
    assert len(jobs["embed"]) == 6 * movies and len(jobs["scale"]) == 6 * movies
    assert len(jobs["merge_json"]) == movies and len(jobs["make_viewer"]) == movies
    assert len(jobs["plot_distances"]) == len(jobs["nearest_frames"]) == 2 * movies
    assert "link_movie" not in jobs and "probe_movie" not in jobs


def test_rerun_fps_reruns_the_movies_it_applies_to(run):
    workdir, _ = run
    jobs = jobs_by_rule(
        job
        for job in planned_jobs(workdir, changed_config(workdir, fps=2))
        if not job[1].startswith(f"movie={COLLECTION}")
    )
    # The real movie keeps its own fps (movie_overrides): untouched.
    assert sorted(jobs["extract_frames"]) == sorted(
        [f"movie={HOSTILE_ID}", f"movie={MARKUP_ID}", "movie=demo_year"]
    )
    assert len(jobs["embed"]) == 18 and len(jobs["merge_json"]) == 3
    assert not any(REAL_ID in w for rule in jobs.values() for w in rule)


def test_rerun_mask_reruns_distances_not_frames(run):
    workdir, _ = run
    overrides = {REAL_NAME: {"fps": 25}, "demo_year": {"mask": [[0, 0, 20, 40]]}}
    jobs = jobs_by_rule(
        planned_jobs(workdir, changed_config(workdir, movie_overrides=overrides))
    )
    assert (
        set(jobs)
        == {
            "compute_distances",
            "embed",
            "scale",
            "plot_distances",
            "nearest_frames",
        }
        | AFTER_JSON
    )
    assert all(
        w.startswith("movie=demo_year") for rule in jobs.values() for w in rule if w
    )
    assert len(jobs["compute_distances"]) == 2 and len(jobs["embed"]) == 6


def test_rerun_tile_size_leaves_short_movies_alone(run):
    """Every movie of the run is shorter than 512 frames: never tiled. The
    folder map's graph is re-ranked in blocks of tile_frames frames: its
    graph (from its temporary candidates) and what follows are made again."""
    workdir, _ = run
    jobs = planned_jobs(workdir, changed_config(workdir, tile_frames=512))
    assert jobs and only_of(jobs)
    # Its candidates too: the re-ranks read them, and they were temporary.
    assert {rule for rule, _ in jobs} <= {
        "graph_candidates",
        "graph_rerank",
        "neighbour_graph",
        "embed",
        "scale",
        *FOLDER_RULES,
        "all",
    }


def test_rerun_dropping_hsl_only_merges_again(run):
    workdir, _ = run
    jobs = jobs_by_rule(
        planned_jobs(workdir, changed_config(workdir, metrics=["gray"]))
    )
    assert set(jobs) == AFTER_JSON
    for rule in ("merge_json", "plot_maps", "make_viewer"):
        assert len(jobs[rule]) == len(MOVIES)


def test_rerun_new_movie_only(run):
    workdir, _ = run
    new = make_movie(workdir / "movies" / "new one.mp4", seconds=3, rate=5)
    try:
        jobs = planned_jobs(workdir)
    finally:
        new.unlink()
    rules = sorted(rule for rule, _ in jobs)
    assert rules == sorted(ONE_MOVIE_JOBS)
    assert only_of(jobs, "new_one")


def test_long_movie_in_tiles_gives_the_one_job_bytes(long_whole, tmp_path):
    """1,095 frames in tiles of 512: 3 blocks, 6 tile jobs a metric, each its own
    process reading the frames from a memmap; the matrices equal the one-job ones
    byte for byte, the tiles are removed, and nothing reruns."""
    workdir = long_movie_folder(tmp_path, tile_frames=512)
    # Before the frames exist their count is unknown: the tiles join the plan
    # after extract_frames (a checkpoint).
    before = jobs_by_rule(planned_jobs(workdir, targets=LONG_TARGETS))
    assert (
        len(before["compute_distances"]) == 2 and "compute_distance_tile" not in before
    )
    result = snakemake(workdir, "--", *LONG_TARGETS)
    output = result.stdout + result.stderr
    results = workdir / "results"
    expected = [
        f"compute_distance_tile_{metric}_{row}_{column}.log"
        for metric in ("gray", "hsl")
        for row, column in tile_pairs(3)
    ]
    logs = results / "demo_year" / "logs"
    assert sorted(path.name for path in logs.glob("compute_distance_tile_*")) == sorted(
        expected
    )
    assert output.count("rule compute_distance_tile:") == 12
    assert (
        "hsl tile of frames 512-1023 x 1024-1094 (of 1095)"
        in (logs / "compute_distance_tile_hsl_1_2.log").read_text()
    )
    assert (
        "assembling 6 tiles of up to 512 frames"
        in (logs / "compute_distances_gray.log").read_text()
    )
    assert not (results / "demo_year" / "tiles").exists()  # temporary, removed
    for target in LONG_TARGETS:
        path = Path(target).relative_to("results")
        assert (results / path).read_bytes() == (long_whole / path).read_bytes(), path

    assert planned_jobs(workdir, targets=LONG_TARGETS) == []
    # Other tile sizes: new tiles and matrices, the frames stay.
    bigger = changed_config(workdir, tile_frames=1024)
    jobs = jobs_by_rule(planned_jobs(workdir, bigger, targets=LONG_TARGETS))
    assert set(jobs) == {"compute_distance_tile", "compute_distances"}
    assert len(jobs["compute_distance_tile"]) == 6  # 2 blocks: 3 tiles a metric
    whole = changed_config(workdir, tile_frames=2048)
    jobs = jobs_by_rule(planned_jobs(workdir, whole, targets=LONG_TARGETS))
    assert set(jobs) == {"compute_distances"} and len(jobs["compute_distances"]) == 2


def test_rerun_replaced_movie_only(run):
    workdir, _ = run
    movie = workdir / "movies" / HOSTILE_NAME
    backup = workdir / "backup.mp4"
    shutil.copy2(movie, backup)
    stat = movie.stat()
    try:
        make_movie(workdir / "replacement.mp4", seconds=3, rate=5)
        shutil.move(workdir / "replacement.mp4", movie)
        jobs = planned_jobs(workdir)
    finally:
        shutil.move(backup, movie)
        os.utime(movie, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    rules = sorted(rule for rule, _ in jobs)
    assert rules == sorted(ONE_MOVIE_JOBS)
    assert only_of(jobs, HOSTILE_ID)
    assert planned_jobs(workdir) == []


def test_rerun_removed_movie_only_redoes_the_folder_map(run):
    workdir, _ = run
    movie = workdir / "movies" / HOSTILE_NAME
    aside = workdir / "aside.mp4"
    shutil.move(movie, aside)
    try:
        jobs = planned_jobs(workdir)
    finally:
        shutil.move(aside, movie)
    assert sorted(rule for rule, _ in jobs) == sorted(
        ["list_movies", "make_index", "all"] + FOLDER_JOBS
    )
    assert only_of(jobs)
    assert planned_jobs(workdir) == []


def test_rerun_collection_settings_only_redo_the_folder_map(run):
    workdir, _ = run
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    folder = config["collection"]
    # t-SNE's perplexity: fewer neighbours in the folder's graph, so UMAP too.
    jobs = jobs_by_rule(
        planned_jobs(
            workdir, changed_config(workdir, collection={**folder, "perplexity": 10})
        )
    )
    assert set(jobs) == {
        "graph_candidates",
        "graph_rerank",
        "neighbour_graph",
        "embed",
        "scale",
        "collection_json",
        "collection_page",
        "all",
    }
    assert all(
        w.startswith("movie=collection") for rule in jobs.values() for w in rule if w
    )
    assert len(jobs["embed"]) == 4  # t-SNE and UMAP, both metrics
    # The common size: every movie's frames resized again, nothing else of theirs.
    jobs = planned_jobs(
        workdir, changed_config(workdir, collection={**folder, "frame_width": 32})
    )
    assert sorted(rule for rule, _ in jobs) == sorted(
        ["collection_frames"] * len(MOVIES)
        + [job for job in FOLDER_JOBS if job not in REUSE_JOBS + SHOT_FOLDER_JOBS]
        + ["all"]
    )
    # Switched off: only the index, which no longer links to it.
    jobs = planned_jobs(
        workdir, changed_config(workdir, collection={**folder, "enabled": False})
    )
    assert jobs == [("all", ""), ("make_index", "")]


def test_rerun_reuse_settings_only_redo_the_reuse_stage(run):
    workdir, _ = run
    section = yaml.safe_load((workdir / "config.yaml").read_text())["reuse"]
    # The shortest stretch: the stage over all movies, its copy and the index.
    jobs = planned_jobs(
        workdir, changed_config(workdir, reuse={**section, "min_seconds": 5})
    )
    assert sorted(jobs) == sorted(
        [("all", ""), ("make_index", ""), ("reuse", ""), ("reuse_script", "")]
    )
    # Its sampling: every movie described again, nothing else of theirs.
    jobs = jobs_by_rule(
        planned_jobs(workdir, changed_config(workdir, reuse={**section, "fps": 2}))
    )
    assert set(jobs) == {"reuse_descriptors", *REUSE_JOBS, "make_index", "all"}
    assert sorted(jobs["reuse_descriptors"]) == sorted(f"movie={m}" for m in MOVIES)
    # Switched off: the index without the listing, the viewers without marks.
    jobs = jobs_by_rule(
        planned_jobs(
            workdir, changed_config(workdir, reuse={**section, "enabled": False})
        )
    )
    assert set(jobs) == {"make_viewer", "make_index", "all"}
    assert len(jobs["make_viewer"]) == len(MOVIES)


def test_reuse_finds_the_copies_of_bikes_and_nothing_else(run):
    """The run holds bikes.mp4 three times (at 25 fps, and twice at 1 fps):
    each two copies share all of it, at offset 0; the demo shares nothing."""
    workdir, _ = run
    rows = load_tsv(workdir / "results" / "reuse.tsv")
    copies = sorted([REAL_ID, HOSTILE_ID, MARKUP_ID])
    pairs = [(a, b) for k, a in enumerate(copies) for b in copies[k + 1 :]]
    assert sorted((row["movie_a"], row["movie_b"]) for row in rows) == pairs
    for row in rows:
        start_a, end_a, start_b, end_b = (
            float(row[key]) for key in ("start_a", "end_a", "start_b", "end_b")
        )
        # Within one sampling interval (reuse.fps 1) of bikes.mp4's 0-10 s.
        assert start_a == pytest.approx(0, abs=1) and end_a == pytest.approx(10, abs=1)
        assert start_b - start_a == pytest.approx(0, abs=0.25)
        assert end_b - start_b == pytest.approx(end_a - start_a, abs=1e-3)
        assert 0.9 <= float(row["score"]) <= 1


def only_of(jobs, movie=None):
    """Whether every planned job is ``movie``'s (``None``: no movie's), the
    folder map's, the reuse or shot stage's or one over all movies."""
    return all(
        (movie and movie in w)
        or w.startswith(f"movie={COLLECTION}")
        or rule in ALL_MOVIES_JOBS + FOLDER_RULES + REUSE_JOBS + SHOT_FOLDER_JOBS
        for rule, w in jobs
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["--config", "fps=-1"], "framescape: error: config key fps: -1 is less than"),
        (
            ["--config", "metrics=[rgb]"],
            "framescape: error: config key metrics.0: 'rgb'",
        ),
        (
            ["--config", "movies=nowhere"],
            "framescape: error: movies folder 'nowhere' does not",
        ),
        (
            ["--config", "movie_overrides={m.mp4: {mask: [[0, 400, 5, 5]]}}"],
            (
                "framescape: error: config key movie_overrides.m.mp4.mask.0: "
                "[0, 400, 5, 5] lies outside the 320x240 frame"
            ),
        ),
    ],
)
def test_bad_config_stops_before_any_work(tmp_path, args, message):
    (tmp_path / "movies").mkdir()
    (tmp_path / "movies" / "m.mp4").write_bytes(b"")
    write_config(tmp_path)
    result = snakemake(tmp_path, *args, check=False)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "results").exists()


# Where to kill the running workflow: a file that exists only while that step runs.
KILL_POINTS = [
    ("decoding", "demo_year/.frames.partial"),
    ("a distance matrix", "demo_year/logs/compute_distances_*.log"),
    ("an embedding", "demo_year/logs/embed_umap_*.log"),
]


def final_names(results, pattern):
    return sorted(path for path in results.glob(pattern) if "/." not in str(path))


def finished_outputs(results, methods):
    """Every file of the demo that a later step or the user reads, by content, as
    far as ``methods`` make it: their layouts and their coordinates in the
    movie's JSON (maps.png draws every method: left out), but for its frames at
    the folder map's size (a folder of one movie makes no folder map)."""

    def wanted(path):
        parts = path.relative_to(results).parts
        if parts[1] == "collection":  # the folder map's: a folder of one has none
            return False
        if parts[1] in ("embeddings", "scaled"):
            return parts[-1].split("_")[0] in methods
        return parts[-1] != "maps.png"

    files = final_names(results, "demo_year/**/*.npy")
    files += final_names(results, "demo_year/**/*.png")
    files = [path for path in files if wanted(path)]
    files += [
        results / "demo_year" / "frames.tsv",
        results / "demo_year" / "probe.json",
    ]
    outputs = {str(path.relative_to(results)): path.read_bytes() for path in files}
    keys = {"src", "frame", "time"} | {
        f"{method}_{metric}" for method in methods for metric in ("gray", "hsl")
    }
    items = json.loads((results / "demo_year.json").read_text())
    outputs["demo_year.json"] = [
        {key: value for key, value in item.items() if key in keys} for item in items
    ]
    return outputs


def lock_holder(lock):
    return lock.read_text() if lock.is_file() else ""


def test_killed_runs_resume_to_the_same_bytes(run, tmp_path):
    """kill -9 of Snakemake and its jobs while decoding, during a distance matrix
    and during an embedding; each time `snakemake --unlock` and the same command
    again (the profile reruns incomplete jobs). The result is byte for byte the
    uninterrupted shared run's (UMAP only here: the other layouts are not what
    this is about). Meanwhile a second run on the same folder is refused."""
    reference, _ = run
    movies = tmp_path / "movies"
    movies.mkdir()
    copy_movie(DEMO_MOVIE, movies, "demo_year.mp4")
    write_config(tmp_path, reference / "config.yaml", methods=["umap"])
    results = tmp_path / "results"
    for step, pattern in KILL_POINTS:
        process = start_snakemake(tmp_path)
        wait_until(lambda pattern=pattern: list(results.glob(pattern)), process, step)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        # Whatever exists under a final name is complete (temporaries are
        # hidden: ".<name>.<random>").
        for path in final_names(results, "demo_year/**/*.npy"):
            np.load(path)
        for path in final_names(results, "**/*.json"):
            json.loads(path.read_text())
        snakemake(tmp_path, "--unlock")
    # The same command again finishes what the kills left.
    snakemake(tmp_path)
    # A run with real work to do (every matrix again, identical bytes) holds the
    # results folder, and is held still (SIGSTOP) while a second run here and one
    # from another directory try. Its movie's JSON is gone until it resumes, so
    # the other runs have work too and so a reason to lock.
    (results / "demo_year.json").unlink()
    process = start_snakemake(tmp_path, "--forcerun", "compute_distances")
    lock = results / ".framescape.lock"
    wait_until(lambda: f"process {process.pid}" in lock_holder(lock), process, "lock")
    os.killpg(process.pid, signal.SIGSTOP)
    try:
        twice = snakemake(tmp_path, check=False)
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        other = snakemake(
            elsewhere,
            "--config",
            f"movies={movies}",
            f"results={results}",
            configfile=tmp_path / "config.yaml",
            check=False,
        )
    finally:
        os.killpg(process.pid, signal.SIGCONT)
    output, _ = process.communicate(timeout=900)
    assert process.returncode == 0, output[-3000:]
    assert twice.returncode != 0
    # Refused by Snakemake's lock on the working directory or by ours.
    assert re.search(
        "Directory cannot be locked|framescape: error: results folder 'results' is "
        f"in use by snakemake process {process.pid}",
        twice.stderr,
    )
    assert other.returncode != 0
    assert (
        f"framescape: error: results folder '{results}' is in use by snakemake "
        f"process {process.pid}; wait until it ends" in other.stderr
    )
    assert not (elsewhere / "results").exists()
    assert set(load_results(tmp_path, "demo_year")[0]) == {
        "src",
        "frame",
        "time",
        "umap_gray",
        "umap_hsl",
    }
    assert finished_outputs(results, ["umap"]) == finished_outputs(
        reference / "results", ["umap"]
    )
