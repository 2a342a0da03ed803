"""What a run finds in its results folder from the runs before it: jobs of a
run killed with kill -9, still writing, and the temporaries of jobs killed on
any host."""

import contextlib
import os
import re
import signal
import socket
import time
from pathlib import Path

import numpy as np

from framescape.testing import (
    logged_jobs,
    make_movie,
    planned_jobs,
    snakemake,
    start_snakemake,
    write_config,
)

FRAMES_NPY = "results/long/frames.npy"


def poll(condition, what, process=None, timeout=600):
    """Wait until ``condition()`` holds (while ``process``, if given, runs)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if process is not None:
            assert process.poll() is None, (
                f"ended before {what}:\n{process.stdout.read()}"
            )
        assert time.monotonic() < deadline, f"no {what} after {timeout} s"
        time.sleep(0.05)


def process_state(pid):
    """The state letter of process ``pid`` (R, S, T, Z …), or None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def descendants(pid):
    """The processes below ``pid``: ``{pid: command line}``."""
    parents, commands = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            parents[int(entry.name)] = int(
                (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
            )
            commands[int(entry.name)] = (entry / "cmdline").read_bytes()
    found, pending = {}, [pid]
    while pending:
        parent = pending.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in found:
                found[child] = commands[child].replace(b"\0", b" ").decode()
                pending.append(child)
    return found


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
    process = start_snakemake(tmp_path, "--", FRAMES_NPY)
    jobs = {}
    try:
        poll(lambda: len(list(staging.glob("*.png"))) > 20, "frames", process)
        jobs = descendants(process.pid)
        (job,) = [
            pid
            for pid, command in jobs.items()
            if "extract_frames" in command and "python" in command.split()[0]
        ]
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        os.kill(job, signal.SIGSTOP)
        poll(lambda: process_state(job) == "T", "the job held")  # it lives on
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
            f"on host {host}: kill {job}" in lines[0]
            and "of an earlier run still write" in lines[0]
        ), lines[0]
        assert logged_jobs(refused.stdout + refused.stderr) == []  # none started
        assert process_state(job) == "T"
        assert all(path.exists() for path in temporaries)

        # As the line says: kill <pid> (SIGTERM; SIGCONT as the job was held).
        for pid in map(int, re.search(r"kill ([\d ]+)", lines[0]).group(1).split()):
            os.kill(pid, signal.SIGTERM)
            os.kill(pid, signal.SIGCONT)
        poll(lambda: process_state(job) in (None, "Z"), "end of the job")
        snakemake(tmp_path, "--", FRAMES_NPY)
    finally:
        for pid in jobs:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    frames = np.load(tmp_path / FRAMES_NPY, mmap_mode="r")
    assert frames.shape == (1500, 240, 320, 3)
    assert not any(path.exists() for path in temporaries)
    # No record is left, and the records rerun nothing.
    assert list((tmp_path / "results" / ".framescape.jobs").glob("*.job")) == []
    assert planned_jobs(tmp_path, targets=[FRAMES_NPY]) == []


def temporary(folder, name, host, pid, age):
    """A temporary of ``atomic_path``'s form for ``folder/name``, by ``pid`` on
    ``host``, last written ``age`` seconds ago (negative: in the future)."""
    suffix = Path(name).suffix
    path = Path(folder) / f".{name}.{host}.{pid}.ab_cd123{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("partial")
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


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
        temporary(results / "short", "probe.json", "node-7.cluster", 4242, hour),
        temporary(results / "gone" / "distances", "gray.npy", "node-8", 17, hour),
        # A process of this host that runs, but no job of this folder.
        temporary(results, "index.html", host, os.getpid(), hour),
        temporary(results, "source", "node-9", 99, hour),
    ]
    kept = [
        temporary(results / "short", "frames.npy", "node-7", 4243, -hour),
        results / "short" / ".notes.txt",
        results / "short" / ".frames.npy.node-7.4243.partial",
    ]
    for path in kept[1:]:
        path.write_text("not a temporary")
        os.utime(path, (time.time() - hour,) * 2)
    snakemake(tmp_path, "--", "results/short/probe.json")
    assert [path for path in swept if path.exists()] == []
    assert [path for path in kept if not path.exists()] == []
