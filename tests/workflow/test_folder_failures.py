"""The folder stages after failures, through real runs: an output older than a
movie it shows is said to be out of date, never shown as current; a movie
whose frames or own job for a folder stage failed is left out of that stage
from the next run on, and named;
a job killed as the run goes on counts as failed; a run reports only its own
jobs' reasons."""

import json
import os
import signal

from framescape.common import load_tsv
from framescape.run.folder_status import read_folder_status
from framescape.testing import (
    REPO,
    job_process,
    make_movie,
    planned_jobs,
    snakemake,
    start_snakemake,
    wait_until,
    write_config,
)

CLIPS = {"a.mp4": "testsrc2", "b.mp4": "smptebars", "c.mp4": "testsrc"}


def folder_config(workdir):
    """Small and quick: one metric, one layout per map."""
    write_config(
        workdir,
        REPO / "config.yaml",
        metrics=["gray"],
        methods=["mds"],
        collection={
            "enabled": True,
            "frame_width": 40,
            "frame_height": 30,
            "metrics": ["gray"],
            "methods": ["umap"],
            "n_neighbors": 5,
            "perplexity": 5,
        },
    )


def read_status(results):
    text = (results / "folder_status.js").read_text(encoding="utf-8")
    assert text.startswith("framescapeFolder.set(") and text.endswith(");\n")
    return read_folder_status(results)


def keep_time(path, change):
    """Damage ``path`` with ``change(path)`` and give it back its modification
    time: nothing reruns on its account (Snakemake and a movie's stamp look at
    times; a movie's stamp also at its size), but whatever reads it again fails."""
    before = path.stat()
    change(path)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def zero_tail(path):
    """The last half of a movie file zeroed, its size kept: its index
    (ffmpeg's moov atom, written last) is gone."""
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        handle.seek(size // 2)
        handle.write(bytes(size - size // 2))


def truncate(path):
    """A frames file cut in half."""
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size // 2)


def test_folder_outputs_tell_the_truth_after_failures(tmp_path):
    movies = tmp_path / "movies"
    movies.mkdir()
    for name, source in CLIPS.items():
        make_movie(movies / name, seconds=12, source=source)
    folder_config(tmp_path)
    results = tmp_path / "results"
    snakemake(tmp_path, "--keep-going")
    status = read_status(results)
    assert {name: stage["state"] for name, stage in status.items()} == {
        "collection": "current",
        "reuse": "current",
        "shots": "current",
    }

    # a.mp4 replaced and a broken movie added: the folder jobs wait for the
    # broken one and do not run; their outputs are of the old a.mp4.
    (movies / "a.mp4").unlink()
    make_movie(movies / "a.mp4", seconds=12, source="rgbtestsrc")
    (movies / "broken.mp4").write_text("not a movie\n")
    second = snakemake(tmp_path, "--keep-going", check=False)
    assert second.returncode != 0
    status = read_status(results)
    for stage in ("collection", "reuse"):
        assert status[stage]["state"] == "stale", status
        assert "made before these movies changed: a.mp4" in status[stage]["why"]
    assert "run the same command again" in second.stderr
    assert "framescape: the folder map is out of date" in second.stderr
    assert "framescape: reused footage is out of date" in second.stderr
    index = (results / "index.html").read_text(encoding="utf-8")
    assert 'data-fs-stage="collection"' in index and "folder_status.js" in index

    # The folder map's own job fails for c.mp4 (its frames damaged on disk)
    # and the reuse and shot stages' for b.mp4 (its file damaged): each stage
    # leaves that movie out from the next run on, and says so.
    keep_time(results / "c" / "frames.npy", truncate)
    keep_time(movies / "b.mp4", zero_tail)
    third = snakemake(
        tmp_path,
        "--keep-going",
        "--forcerun",
        "collection_frames",
        "reuse_descriptors",
        "shot_features",
        check=False,
    )
    assert third.returncode != 0
    assert (results / "collection/logs/collection_frames_c.error").is_file()
    assert (results / "logs/reuse_descriptors_b.error").is_file()
    assert (results / "logs/shot_features_b.error").is_file()
    # What a failed job of a movie removed long ago left behind.
    gone = results / "logs" / "reuse_descriptors_gone.error"
    gone.write_text("gone.mp4: not a movie")
    os.utime(gone, (1, 1))
    fourth = snakemake(tmp_path, "--keep-going", check=False)
    assert fourth.returncode != 0  # broken.mp4 is tried again, and fails
    folder = json.loads((results / "collection.json").read_text())
    assert {item["movie"] for item in folder} == {"a", "b"}
    status = read_status(results)
    assert status["collection"]["state"] == "current", status
    assert status["reuse"]["state"] == "current", status
    assert status["shots"]["state"] == "current", status
    left_out = {
        stage: {movie["name"] for movie in status[stage]["left_out"]}
        for stage in status
    }
    assert left_out == {
        "collection": {"broken.mp4", "c.mp4"},
        "reuse": {"broken.mp4", "b.mp4"},
        "shots": {"broken.mp4", "b.mp4"},
    }
    shots = {row["movie"] for row in load_tsv(results / "shots.tsv")}
    assert shots == {"a", "c"}
    assert "framescape: the folder map leaves out c.mp4" in fourth.stderr
    assert "framescape: reused footage leaves out b.mp4" in fourth.stderr
    assert "framescape: the folder's shot table leaves out b.mp4" in fourth.stderr
    # Their jobs are tried again (no folder job waits for them) and fail
    # again: this run's reasons. An earlier run's are not reported.
    assert "collection_frames_c failed" in fourth.stderr
    assert "reuse_descriptors_b failed" in fourth.stderr
    assert "reuse_descriptors_gone" not in fourth.stderr
    page = (results / "collection.html").read_text(encoding="utf-8")
    assert "c.mp4" in page and "broken.mp4" in page and "moov atom not found" in page

    # Bad files only: one warning line, no folder map planned.
    for name in CLIPS:
        (movies / name).unlink()
    fifth = snakemake(tmp_path, "--dry-run", "--keep-going", check=False)
    warning = "no readable movie for the folder map: collection.html is not made"
    output = fifth.stdout + fifth.stderr  # Snakemake logs to stdout on dry runs
    assert output.count(warning) == 1, output[-2000:]
    assert "collection_json" not in fifth.stdout


def test_a_job_killed_as_the_run_goes_on_is_left_out_next(tmp_path):
    """extract_frames of one movie killed (as the OOM killer would) while the
    run goes on: the run ends by saying so, and the next run plans the folder
    stages without that movie instead of waiting for it again."""
    movies = tmp_path / "movies"
    movies.mkdir()
    make_movie(movies / "a.mp4", seconds=6, source="testsrc2")
    make_movie(movies / "b.mp4", seconds=6, source="smptebars")
    make_movie(movies / "long.mp4", seconds=240, rate=25, size="640x480")
    folder_config(tmp_path)
    results = tmp_path / "results"
    process = start_snakemake(tmp_path, "--keep-going")
    log = results / "long/logs/extract_frames.log"
    reason = log.with_suffix(".error")
    found = []

    def decoding():
        """The job is in its step: its reason says so until it ends."""
        job = job_process(process.pid, log)
        if job is not None and reason.is_file():
            found.append(job)
        return bool(found)

    wait_until(decoding, process, "long.mp4's extract_frames")
    found[0].send_signal(signal.SIGKILL)
    output, _ = process.communicate(timeout=900)
    assert process.returncode != 0, output[-3000:]
    assert reason.read_text().startswith("killed on every try"), reason.read_text()
    planned = planned_jobs(tmp_path)
    assert ("extract_frames", "movie=long") in planned  # its own map: tried again
    assert ("collection_join", "") in planned
    assert not [
        job for job in planned if job[1] == "movie=long" and "collection" in job[0]
    ]
