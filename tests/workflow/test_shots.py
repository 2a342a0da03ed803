"""The shot stage in the shared run (tests/conftest.py, workflow_run): every
movie's shots.tsv, exports and pictures, the folder's table, and what a change
of the config's shots: section runs again."""

import itertools

import numpy as np
import opentimelineio as otio
import yaml

from framescape.common import load_tsv
from framescape.shots.table import load_shots
from framescape.testing import (
    HOSTILE_ID,
    MARKUP_ID,
    MOVIES,
    REAL_ID,
    planned_jobs,
    write_config,
)

# bikes.mp4's cuts (frames at its 25 fps), seen frame by frame.
BIKES_CUTS = [30, 76, 137, 187, 242]
BIKES = (REAL_ID, HOSTILE_ID, MARKUP_ID)
PER_MOVIE = ["shot_list", "shot_exports", "plot_barcode", "plot_cutting_rate"]
# The pages that show a movie's shots: its heatmaps (shot starts drawn on
# them) and its viewer; and the index.
PAGES = ["plot_distances", "plot_distances", "make_viewer"]


def test_every_movie_gets_its_shots(workflow_run):
    workdir, _ = workflow_run
    results = workdir / "results"
    # The demo year changes a little each frame: one shot.
    (year,) = load_shots(results / "demo_year" / "shots.tsv")
    assert (year.first_frame, year.last_frame, year.transition) == (0, 364, "start")
    # Shots are found at the movie's own rate, whatever its fps: setting.
    tables = {movie: (results / movie / "shots.tsv").read_bytes() for movie in BIKES}
    assert len(set(tables.values())) == 1
    shots = load_shots(results / REAL_ID / "shots.tsv")
    cuts = [shot.first_frame for shot in shots if shot.transition == "cut"]
    assert cuts == BIKES_CUTS
    assert shots[-1].last_frame == 249 and shots[-1].end == 10.0
    # The rows tile the movie.
    for before, after in itertools.pairwise(shots):
        assert before.end == after.transition_start
        assert before.last_frame + 1 <= after.first_frame


def test_the_folder_table_and_the_exports(workflow_run):
    workdir, _ = workflow_run
    results = workdir / "results"
    rows = load_tsv(results / "shots.tsv")
    assert list(rows[0])[:2] == ["movie", "shot"]
    assert sorted({row["movie"] for row in rows}) == sorted(MOVIES)
    shots = load_shots(results / REAL_ID / "shots.tsv")
    assert [row for row in rows if row["movie"] == REAL_ID] == [
        {"movie": REAL_ID, **row} for row in load_tsv(results / REAL_ID / "shots.tsv")
    ]
    timeline = otio.adapters.read_from_file(str(results / REAL_ID / "shots.otio"))
    assert timeline.duration().to_frames() == 250
    edl = otio.adapters.read_from_file(str(results / REAL_ID / "shots.edl"), rate=25)
    clips = list(edl.find_clips())
    assert len(clips) == len(shots)
    chapters = (results / REAL_ID / "chapters.vtt").read_text()
    assert chapters.startswith("WEBVTT")
    for name in ("barcode", "cutting_rate"):
        assert (results / REAL_ID / "plots" / f"{name}.png").stat().st_size > 0
    colours = np.load(results / REAL_ID / "shots" / "colours.npy")
    assert colours.shape == (250, 3)


def test_rerun_shot_settings_only_redo_the_shot_stage(workflow_run):
    workdir, _ = workflow_run
    section = yaml.safe_load((workdir / "config.yaml").read_text())["shots"]
    for change in ({"cut_ratio": 4}, {"group_distance": 0.2}):
        config = write_config(
            workdir,
            workdir / "config.yaml",
            "changed.yaml",
            shots={**section, **change},
        )
        jobs = planned_jobs(workdir, config)
        rules = sorted(rule for rule, _ in jobs)
        expected = (PER_MOVIE + PAGES) * len(MOVIES) + ["shot_table", "make_index"]
        assert rules == sorted([*expected, "all"]), change
    # Switched off: the pages without the shots, nothing else.
    config = write_config(
        workdir,
        workdir / "config.yaml",
        "changed.yaml",
        shots={**section, "enabled": False},
    )
    rules = sorted(rule for rule, _ in planned_jobs(workdir, config))
    assert rules == sorted([*PAGES * len(MOVIES), "make_index", "all"])
