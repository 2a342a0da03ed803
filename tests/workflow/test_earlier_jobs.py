"""What a run finds in its results folder from the runs before it: jobs of a
run killed with kill -9, still writing, and the temporaries of jobs killed on
any host."""

import contextlib
import os
import re
import signal
import socket
import time

import numpy as np
import psutil

from framescape.testing import (
    job_process,
    logged_jobs,
    make_movie,
    planned_jobs,
    snakemake,
    start_snakemake,
    temporary_file,
    wait_until,
    write_config,
)

FRAMES_NPY = "results/long/frames.npy"


def status(job):
    """``job``'s state (``psutil.STATUS_*``), or None once it is gone."""
    try:
        return job.status()
    except psutil.NoSuchProcess:
        return None


def test_a_run_waits_for_the_jobs_of_a_killed_run(tmp_path):
    """kill -9 of Snakemake while it decodes a long movie: its extract_frames
    job keeps running (held still here, so that it is still there whatever the
    machine's speed). The next run stops at once with one line naming the job's
    process and what to do, and leaves its files alone; once the job is ended as
    the line says, the same command runs and finishes the movie."""
    (tmp_path / "movies").mkdir()
    # 1,500 frames of 320×240 at 25 fps: several seconds of real decoding.
    make_movie(tmp_path / "movies" / "long.mp4", seconds=60, rate=25, size="320x240")
    write_config(tmp_path, fps=25)
    staging = tmp_path / "results" / "long" / ".frames.partial"
    log = tmp_path / "results" / "long" / "logs" / "extract_frames.log"
    process = start_snakemake(tmp_path, "--", FRAMES_NPY)
    family = []
    try:
        wait_until(lambda: len(list(staging.glob("*.png"))) > 20, process, "frames")
        job = job_process(process.pid, log)
        assert job is not None
        family = psutil.Process(process.pid).children(recursive=True)
        # The job held first, then Snakemake killed: the job cannot end between.
        job.send_signal(signal.SIGSTOP)
        wait_until(lambda: status(job) == psutil.STATUS_STOPPED, None, "job held")
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        assert status(job) == psutil.STATUS_STOPPED  # it lives on
        temporaries = list(staging.parent.glob(".frames.npy.*"))
        assert temporaries, list(staging.parent.iterdir())
        snakemake(tmp_path, "--unlock")

        refused = snakemake(tmp_path, "--", FRAMES_NPY, check=False)
        assert refused.returncode != 0, refused.stderr[-3000:]
        lines = [
            line
            for line in refused.stderr.splitlines()
            if line.startswith("framescape: error:")
        ]
        assert len(lines) == 1, refused.stderr[-3000:]
        host = socket.gethostname()
        assert (
            f"on host {host}: kill {job.pid}" in lines[0]
            and "of an earlier run still write" in lines[0]
        ), lines[0]
        assert logged_jobs(refused.stdout + refused.stderr) == []  # none started
        assert status(job) == psutil.STATUS_STOPPED
        assert all(path.exists() for path in temporaries)

        # As the line says: kill <pid> (SIGTERM; SIGCONT as the job was held).
        for pid in map(int, re.search(r"kill ([\d ]+)", lines[0]).group(1).split()):
            os.kill(pid, signal.SIGTERM)
            os.kill(pid, signal.SIGCONT)
        wait_until(
            lambda: status(job) in (None, psutil.STATUS_ZOMBIE), None, "end of job"
        )
        snakemake(tmp_path, "--", FRAMES_NPY)
    finally:
        for member in family:
            with contextlib.suppress(psutil.NoSuchProcess):
                member.kill()
    frames = np.load(tmp_path / FRAMES_NPY, mmap_mode="r")
    assert frames.shape == (1500, 240, 320, 3)
    assert not any(path.exists() for path in temporaries)
    # No record is left, and the records rerun nothing.
    assert list((tmp_path / "results" / ".framescape.jobs").glob("*.job")) == []
    assert planned_jobs(tmp_path, targets=[FRAMES_NPY]) == []


def test_a_run_sweeps_temporaries_of_killed_jobs_of_any_host(tmp_path):
    """Temporaries older than the run whose jobs are all gone, from another node
    or this one, beside an output of this run or of a movie removed since, are
    deleted when a run starts; one written after it started is kept, and so are
    files not named like temporaries."""
    (tmp_path / "movies").mkdir()
    make_movie(tmp_path / "movies" / "short.mp4")
    write_config(tmp_path)
    results = tmp_path / "results"
    host = socket.gethostname()
    hour = 3600
    swept = [
        temporary_file(results / "short", "probe.json", "node-7.cluster", 4242, hour),
        temporary_file(results / "gone" / "distances", "gray.npy", "node-8", 17, hour),
        # A process of this host that runs, but no job of this folder.
        temporary_file(results, "index.html", host, os.getpid(), hour),
        temporary_file(results, "source", "node-9", 99, hour),
    ]
    kept = [
        temporary_file(results / "short", "frames.npy", "node-7", 4243, -hour),
        results / "short" / ".notes.txt",
        results / "short" / ".frames.npy.node-7.4243.partial",
    ]
    for path in kept[1:]:
        path.write_text("not a temporary")
        os.utime(path, (time.time() - hour,) * 2)
    snakemake(tmp_path, "--", "results/short/probe.json")
    assert [path for path in swept if path.exists()] == []
    assert [path for path in kept if not path.exists()] == []
