"""The folder stages' status from modification times, and the reasons a run
counts as its own (framescape.run.folder_status, framescape.run.outcomes)."""

import json
import os

import pytest

from framescape.run import folder_status, outcomes

SECOND = 1_000_000_000


def touch(path, at):
    """``path`` made (if missing) with the modification time ``at`` seconds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text("x")
    os.utime(path, ns=(at * SECOND, at * SECOND))


def reuse_folder(results, inputs_at, outputs_at=(100, 101)):
    """A results folder of movies a and b: their reuse inputs at the given
    times (``{movie: (probe, descriptors, frames.tsv)}``), reuse.tsv and
    reuse.js at ``outputs_at``."""
    for movie, times in inputs_at.items():
        for name, at in zip(
            ("probe.json", "reuse/descriptors.npz", "frames.tsv"), times
        ):
            touch(results / movie / name, at)
    for name, at in zip(("reuse.tsv", "reuse.js"), outputs_at):
        touch(results / name, at)


MOVIES = {"a": "a.mp4", "b": "b b.mp4"}


def state(results, stage="reuse", movies=MOVIES):
    return folder_status.stage_state(results, folder_status.STAGES[stage], movies)


def test_outputs_newer_than_every_input_are_current(tmp_path):
    reuse_folder(tmp_path, {"a": (10, 20, 30), "b": (10, 20, 101)})
    assert state(tmp_path) == ("current", "")


@pytest.mark.parametrize(
    ("times", "why"),
    [
        # b replaced: its probe and descriptors newer than reuse.tsv.
        ((10, 100.5, 100.5), "made before these movies changed: b b.mp4"),
        # b at another fps: its frames newer than reuse.js (reuse.tsv holds).
        ((10, 20, 102), "made before these movies changed: b b.mp4"),
    ],
)
def test_a_movie_changed_since_makes_the_stage_stale(tmp_path, times, why):
    times = tuple(int(t * 10) for t in times)
    reuse_folder(tmp_path, {"a": (10, 20, 30), "b": times}, outputs_at=(1000, 1010))
    assert state(tmp_path) == ("stale", why)


def test_a_movie_added_or_an_output_missing_or_out_of_order(tmp_path):
    reuse_folder(tmp_path, {"a": (10, 20, 30)})
    assert state(tmp_path) == ("stale", "made without: b b.mp4")
    assert state(tmp_path, movies={"a": "a.mp4"}) == ("current", "")
    # reuse.js older than the reuse.tsv it is made from.
    touch(tmp_path / "reuse.js", 99)
    assert state(tmp_path, movies={"a": "a.mp4"}) == (
        "stale",
        "made from an earlier run's files",
    )
    (tmp_path / "reuse.js").unlink()
    assert state(tmp_path, movies={"a": "a.mp4"}) == ("missing", "not made yet")


def test_the_folder_maps_inputs(tmp_path):
    for name in ("frames.npy", "frames.tsv", "collection/frames.npy"):
        touch(tmp_path / "a" / name, 10)
    for name, at in (("collection/frames.tsv", 20), ("collection.json", 30)):
        touch(tmp_path / name, at)
    touch(tmp_path / "collection.html", 40)
    movies = {"a": "a.mp4"}
    assert state(tmp_path, "collection", movies) == ("current", "")
    # The movie's frames made again, its collection frames not yet.
    touch(tmp_path / "a" / "frames.npy", 25)
    assert state(tmp_path, "collection", movies)[0] == "stale"


def test_the_status_file_and_the_runs_last_lines(tmp_path):
    reuse_folder(tmp_path, {"a": (10, 20, 30), "b": (10, 20, 200)})
    left_out = {"reuse": [{"name": "c.mp4", "reason": "moov atom not found"}]}
    status = folder_status.folder_status(tmp_path, {"reuse": MOVIES}, left_out)
    folder_status.write_folder_status(tmp_path, status)
    text = (tmp_path / "folder_status.js").read_text(encoding="utf-8")
    given = json.loads(text.removeprefix("framescapeFolder.set(").removesuffix(");\n"))
    assert folder_status.read_folder_status(tmp_path) == given
    assert given == {
        "reuse": {
            "state": "stale",
            "why": "made before these movies changed: b b.mp4",
            "left_out": [{"name": "c.mp4", "reason": "moov atom not found"}],
        }
    }
    assert folder_status.status_lines(given) == [
        (
            "framescape: reused footage is out of date (made before these movies "
            "changed: b b.mp4): the pages say so until a run makes it again"
        ),
        "framescape: reused footage leaves out c.mp4: moov atom not found",
    ]
    running = folder_status.running_status(["reuse"], {})
    assert running["reuse"]["state"] == "running"
    assert folder_status.status_lines(running) == []


def reason(path, text, at):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.utime(path, ns=(at * SECOND, at * SECOND))
    return path


def test_jobs_killed_in_the_run_are_marked_and_others_kept(tmp_path):
    unfinished = "did not finish (killed? out of memory or time?): see x.log"
    movies = {"a": {"file": "a.mp4"}, "b": {"file": "b.mp4"}}
    killed = reason(tmp_path / "a/logs/extract_frames.error", unfinished, 50)
    earlier = reason(tmp_path / "b/logs/extract_frames.error", unfinished, 5)
    failed = reason(tmp_path / "b/logs/probe_movie.error", "b.mp4: bad", 50)
    other = reason(tmp_path / "a/logs/compute_distances_gray.error", unfinished, 50)
    stage = reason(tmp_path / "logs/reuse_descriptors_b.error", unfinished, 60)
    marked = outcomes.mark_killed(tmp_path, movies, since=10 * SECOND)
    assert sorted(marked) == sorted([killed, stage])
    assert killed.read_text() == f"{outcomes.KILLED}: see x.log"
    assert earlier.read_text() == unfinished  # an earlier run's: tried again
    assert failed.read_text() == "b.mp4: bad"
    assert other.read_text() == unfinished  # not a job the folder waits on
    # The frames job's reason now counts: a is left out of the folder stages.
    assert outcomes.failed_movies(
        tmp_path, {"a": {"file": "a.mp4", "stamp": "1:0"}}
    ) == {"a": f"{outcomes.KILLED}: see x.log"}


def test_a_stage_job_failed_since_its_input_leaves_the_movie_out(tmp_path):
    movies = {"a": {"file": "a.mp4"}, "b": {"file": "b.mp4"}}
    touch(tmp_path / "a/frames.npy", 10)
    touch(tmp_path / "b/frames.npy", 30)
    reason(tmp_path / "collection/logs/collection_frames_a.error", "a.mp4: bad", 20)
    reason(tmp_path / "collection/logs/collection_frames_b.error", "old", 20)
    assert outcomes.stage_failures(tmp_path, movies, "collection") == {"a": "bad"}
    left = outcomes.left_out_movies(
        tmp_path, movies, {"c": "no frames"}, ("collection", "reuse")
    )
    assert left == {
        "collection": {"c": "no frames", "a": "bad"},
        "reuse": {"c": "no frames"},
    }


def test_a_run_reports_only_its_own_reasons(tmp_path):
    old = reason(tmp_path / "logs/reuse_descriptors_gone.error", "gone", 5)
    new = reason(tmp_path / "logs/reuse.error", "too big", 50)
    assert outcomes.this_runs_reasons([old, new], since=10 * SECOND) == [new]


def test_a_stage_the_run_was_to_make_anew_but_did_not_is_stale(tmp_path):
    """Files newer than every input, but the run was to make them anew (a
    movie removed, a setting or the code changed) and did not: stale, with
    the run's reason; a stage the run did not look at keeps its status."""
    reuse_folder(tmp_path, {"a": (10, 20, 30), "b": (10, 20, 40)})
    why = "this run was to make it anew (params have changed) but did not"
    status = folder_status.folder_status(
        tmp_path, {"reuse": MOVIES}, {}, unfinished={"reuse": why}
    )
    assert status["reuse"] == {"state": "stale", "why": why, "left_out": []}
    # The times' own reason comes first: it names the movies.
    touch(tmp_path / "b" / "frames.tsv", 500)
    status = folder_status.folder_status(
        tmp_path, {"reuse": MOVIES}, {}, unfinished={"reuse": why}
    )
    assert status["reuse"]["why"] == "made before these movies changed: b b.mp4"
    earlier = {"reuse": {"state": "current", "why": "", "left_out": []}}
    assert (
        folder_status.folder_status(tmp_path, {"reuse": MOVIES}, {}, earlier=earlier)
        == earlier
    )


def test_the_plan_of_left_out_movies_is_the_run_processs(tmp_path, monkeypatch):
    """A job that reads the Snakefile again (on a cluster node) takes the
    movies left out as the run's own process found them, not anew from files
    made since; another results folder is planned anew."""
    monkeypatch.delenv(outcomes.PLAN_VARIABLE, raising=False)
    movies = {"a": {"file": "a.mp4", "stamp": "1:0"}}
    touch(tmp_path / "a/frames.npy", 10)
    reason(tmp_path / "collection/logs/collection_frames_a.error", "a.mp4: bad", 20)
    planned = outcomes.planned_left_out(tmp_path, movies, ("collection",))
    assert planned == ({}, {"collection": {"a": "bad"}})
    # The movie's frames made again since: planned anew, it would be taken back.
    touch(tmp_path / "a/frames.npy", 30)
    assert outcomes.planned_left_out(tmp_path, movies, ("collection",)) == planned
    other = tmp_path / "other"
    other.mkdir()
    assert outcomes.planned_left_out(other, movies, ("collection",)) == (
        {},
        {"collection": {}},
    )
