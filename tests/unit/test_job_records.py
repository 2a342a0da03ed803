"""Jobs recorded in their results folder while they run (framescape.run.jobs),
what a new run makes of the records and of SLURM's queue, the line of what a
job used that ends its log, and the sweep of killed jobs' temporaries when a
run starts (framescape.run.lock)."""

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from framescape.common import FramescapeError
from framescape.run.jobs import (
    RECORDS,
    RESULTS_VARIABLE,
    RUN_VARIABLE,
    active_jobs,
    begin_run,
    earlier_jobs,
    logged_usage,
    status_kib,
)
from framescape.run.lock import refusal, run_started, start_run, sweep_temporaries
from framescape.testing import temporary_file, wait_until

# A job whose step waits for a line on its standard input, then writes "done".
JOB = """
import sys
from pathlib import Path
from framescape.common import run_step

def step(output):
    sys.stdin.readline()
    Path(output).write_text("done")

run_step(sys.argv[1], step, sys.argv[2])
"""


@pytest.fixture
def results(tmp_path, monkeypatch):
    """A results folder taken by a run of this process (its environment put
    back afterwards)."""
    monkeypatch.setenv(RESULTS_VARIABLE, "")
    monkeypatch.setenv(RUN_VARIABLE, "")
    folder = tmp_path / "results"
    begin_run(folder)
    return folder


def start_job(results, environment=None, cwd=None):
    """A job of the run in ``results`` (the environment its jobs inherit, or
    ``environment``), in the working directory ``cwd``: ``(process, its log,
    its output)``."""
    log = results / "movie" / "logs" / "step.log"
    output = results / "movie" / "output.txt"
    process = subprocess.Popen(
        [sys.executable, "-c", JOB, str(log), str(output)],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        cwd=cwd,
    )
    return process, log, output


def wait_for_record(results, process):
    wait_until(
        lambda: list((results / RECORDS).glob("*.job")), process, "record", 60
    )


def test_a_job_is_recorded_while_it_runs(results):
    process, _, output = start_job(results)
    try:
        wait_for_record(results, process)
        running, unknown = earlier_jobs(results)
        assert [(job["host"], job["pid"]) for job in running] == [
            (socket.gethostname(), process.pid)
        ]
        assert unknown == []
        assert refusal("results", running, unknown) == (
            "a job of an earlier run still writes into 'results' (was its "
            "Snakemake killed?): wait until it ends, or end it (on host "
            f"{socket.gethostname()}: kill {process.pid}), then run again"
        )
        process.communicate("go\n", timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0
    assert output.read_text() == "done"
    assert list((results / RECORDS).glob("*.job")) == []
    assert earlier_jobs(results) == ([], [])


def test_a_killed_jobs_record_is_removed_by_the_next_run(results):
    process, _, _ = start_job(results)
    try:
        wait_for_record(results, process)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    (record,) = (results / RECORDS).glob("*.job")
    assert earlier_jobs(results) == ([], [])
    assert not record.exists()


# A job whose record is checked by a new run just before the job locks it:
# prints what the run found, then the job's records and whether each is held.
CHECKED_BEFORE_LOCK = """
import fcntl, sys
from pathlib import Path
from framescape.run import jobs

lock = fcntl.flock
def checked(handle, operation):
    if operation == fcntl.LOCK_EX:
        print(jobs.earlier_jobs(sys.argv[1]))
    lock(handle, operation)
fcntl.flock = checked
jobs.record_job("step.log")
for path in sorted((Path(sys.argv[1]) / jobs.RECORDS).iterdir()):
    print(path.name.split(".")[-1], jobs.held(path))
"""


def test_a_record_a_run_sees_is_locked(results):
    """A run that reads the records while a job is between making its record
    and locking it neither sees nor removes it."""
    shown = subprocess.run(
        [sys.executable, "-c", CHECKED_BEFORE_LOCK, str(results)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert shown[0] == "([], [])"
    assert sorted(shown[1:]) == ["job True", "run False"]


def test_a_start_left_by_a_killed_job_is_removed_once_old(results):
    folder = results / RECORDS
    young = folder / "host.1.-.abcdefgh.job-starting"
    old = folder / "host.2.-.abcdefgh.job-starting"
    young.write_text("")
    old.write_text("")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    assert earlier_jobs(results) == ([], [])
    assert young.exists()
    assert not old.exists()


def test_a_job_of_an_earlier_run_stops_before_writing(results):
    """A job queued by a run (say on SLURM) that starts after another run took
    the folder: one line, nothing written, not even its log."""
    environment = dict(os.environ)
    begin_run(results)  # the next run
    process, log, output = start_job(results, environment)
    _, errors = process.communicate("go\n", timeout=60)
    assert process.returncode == 1
    assert errors == (
        f"framescape: error: a newer run writes into '{results}': this job of "
        f"an earlier run ({log}) stops without writing\n"
    )
    assert not log.exists() and not output.exists()
    assert not log.with_suffix(".error").exists()
    assert list((results / RECORDS).glob("*.job")) == []


def slurm_record(results, host, slurm_job, pid=4321):
    """An unlocked record, as a killed or ended SLURM job leaves it."""
    path = results / RECORDS / f"{host}.{pid}.{slurm_job}.ab_cd123.job"
    path.write_text("logs/step.log\n")
    return path


def fake_squeue(folder, listing="", with_folders=""):
    """An ``squeue`` that lists ``with_folders`` when asked for the jobs'
    working directories (``%Z``), else ``listing``."""
    folder.mkdir(exist_ok=True)
    script = folder / "squeue"
    script.write_text(
        "#!/bin/sh\n"
        f"case \"$*\" in *%Z*) printf '{with_folders}' ;; *) printf '{listing}' ;; esac\n"
    )
    script.chmod(0o755)
    return folder


def test_squeue_tells_which_slurm_jobs_of_other_hosts_still_run(
    results, tmp_path, monkeypatch
):
    """On a cluster file system whose locks each node keeps to itself, a
    running SLURM job's record looks unlocked from the login node: squeue
    decides. A record of this host is decided by its lock alone."""
    queued = slurm_record(results, "node-1.cluster", 101)
    running = slurm_record(results, "node-2", 102)
    ended = slurm_record(results, "node-3", 103)
    forgotten = slurm_record(results, "node-4", 104)
    here = slurm_record(results, socket.gethostname(), 102)
    listing = "101 PENDING\\n102 RUNNING\\n103 COMPLETED\\n99 RUNNING\\n"
    monkeypatch.setenv("PATH", str(fake_squeue(tmp_path / "bin", listing)))
    jobs, unknown = earlier_jobs(results)
    assert unknown == []
    assert sorted(job["slurm_job"] for job in jobs) == ["101", "102"]
    assert queued.exists() and running.exists()
    assert not (ended.exists() or forgotten.exists() or here.exists())
    assert refusal("results", jobs, unknown) == (
        "2 jobs of an earlier run still write into 'results' (was its Snakemake "
        "killed?): wait until they end, or end them (scancel 101 102), then run "
        "again"
    )


def test_without_squeue_the_line_says_so(results, tmp_path, monkeypatch):
    slurm_record(results, "node-1", 101)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    jobs, unknown = earlier_jobs(results)
    assert jobs == [] and [job["slurm_job"] for job in unknown] == ["101"]
    assert refusal("results", jobs, unknown) == (
        "a job of an earlier run still writes into 'results' (was its Snakemake "
        "killed?): wait until it ends, or end it (scancel 101 (squeue cannot "
        "tell here whether they still run; once they have ended, delete their "
        "records in results/.framescape.jobs)), then run again"
    )


def test_a_run_waits_for_slurm_jobs_queued_in_its_working_directory(
    results, tmp_path, monkeypatch
):
    """A SLURM job of a killed run still queued has no record, yet Snakemake in
    it deletes the job's outputs and log when it starts: the next run refuses
    while squeue lists the user's jobs queued or running in its working
    directory, and names them. Jobs that have ended or are ending, that run
    elsewhere, and the job this run itself runs in do not count; once none is
    left, the run starts."""
    workdir = tmp_path / "my movies"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("SLURM_JOB_ID", "206")
    listing = (
        f"201 PENDING {workdir}\\n"
        f"202 RUNNING {tmp_path}/my movies/../my movies\\n"
        f"203 COMPLETING {workdir}\\n"
        f"204 COMPLETED {workdir}\\n"
        f"205 PENDING {tmp_path}\\n"
        f"206 RUNNING {workdir}\\n"
    )
    monkeypatch.setenv("PATH", str(fake_squeue(tmp_path / "bin", "", listing)))
    with pytest.raises(FramescapeError) as refused:
        start_run(results)
    assert str(refused.value) == (
        f"2 jobs of an earlier run still write into '{results}' (was its "
        "Snakemake killed?): wait until they end, or end them (scancel 201 202), "
        "then run again"
    )
    fake_squeue(tmp_path / "bin", "", f"204 COMPLETED {workdir}\\n")
    start_run(results).close()


def test_a_slurm_job_recorded_and_queued_is_named_once(results, tmp_path, monkeypatch):
    slurm_record(results, "node-1", 301)
    listing = "301 RUNNING\\n302 PENDING\\n"
    with_folders = f"301 RUNNING {tmp_path}\\n302 PENDING {tmp_path}\\n"
    monkeypatch.chdir(tmp_path)
    bin_folder = fake_squeue(tmp_path / "bin", listing, with_folders)
    monkeypatch.setenv("PATH", str(bin_folder))
    with pytest.raises(FramescapeError, match=r"^2 jobs .*\(scancel 301 302\)"):
        start_run(results)


def test_a_run_starts_by_the_clock_of_its_files(results, tmp_path, monkeypatch):
    """When a run started is when its id was written into the folder, by the
    clock that stamps the folder's files (a file server's), not by this
    host's: with this host's clock an hour behind, a temporary a killed job
    left a minute before is still swept; an hour ahead, a file written after
    the run started is still newer than its start."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    leftover = temporary_file(results / "a", "frames.npy", "node-1", 12, 60)
    for hours in (-1, 1):
        host_clock = time.time_ns() + hours * 3600 * 10**9
        with monkeypatch.context() as host:
            host.setattr(time, "time", lambda clock=host_clock: clock / 1e9)
            host.setattr(time, "time_ns", lambda clock=host_clock: clock)
            start_run(results).close()
        reason = results / "a" / "logs" / "step.error"
        reason.parent.mkdir(parents=True, exist_ok=True)
        reason.write_text("did not finish")
        assert not leftover.exists()
        assert reason.stat().st_mtime_ns >= run_started(results)


def test_a_job_in_another_working_directory_finds_the_run_folder(
    tmp_path, monkeypatch
):
    """A run given a relative results folder: its jobs, wherever they run,
    record themselves in it."""
    monkeypatch.setenv(RESULTS_VARIABLE, "")
    monkeypatch.setenv(RUN_VARIABLE, "")
    monkeypatch.chdir(tmp_path)
    begin_run("results")
    (tmp_path / "elsewhere").mkdir()
    results = tmp_path / "results"
    process, _, _ = start_job(results, cwd=tmp_path / "elsewhere")
    try:
        wait_until(lambda: list(tmp_path.glob("**/*.job")), process, "record", 60)
        (record,) = tmp_path.glob("**/*.job")
        assert record.parent == results / RECORDS
        process.communicate("go\n", timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0


def test_squeue_states_of_jobs_that_may_still_run():
    listing = (
        "7 RUNNING\n8 PENDING\n9 COMPLETING\n10 SUSPENDED\n11 REQUEUED\n"
        "12 COMPLETED\n13 CANCELLED\n14 FAILED\n15 TIMEOUT\n16 NODE_FAIL\n"
        "17 OUT_OF_MEMORY\n18 PREEMPTED\n19 BOOT_FAIL\n20 DEADLINE\n"
        "squeue: error: a line that is no job\n"
    )
    assert active_jobs(listing) == {"7", "8", "9", "10", "11"}


def test_sweep_deletes_temporaries_older_than_the_run(tmp_path):
    results = tmp_path / "results"
    started = time.time_ns()
    minute_ago = (started - 60 * 10**9,) * 2
    old = [
        temporary_file(results / "a", "frames.npy", "node-1.cluster", 12, 60),
        temporary_file(results / "a" / "plots", "maps.png", "localhost", 1, 60),
        temporary_file(results / "gone" / "graph", "gray.npz", "node-2", 13, 60),
        temporary_file(results, "source", "node-3", 14, 60),
    ]
    staging = results / "a" / ".frames.partial"
    staging.mkdir()
    (staging / "000001.png").write_text("png")
    os.utime(staging, ns=minute_ago)
    kept = [
        # Written since the run started.
        temporary_file(results / "a", "frames.tsv", "node-1", 15, -60),
        # Not walked: a movie's PNGs, and the records of the jobs at work.
        temporary_file(results / "a" / "frames", "000001.png", "node-1", 16, 60),
        temporary_file(results / RECORDS, "run", "node-1", 17, 60),
        # Not a temporary's name.
        results / "a" / ".notes",
        results / "a" / ".frames.npy.node-1.18.partial.npy",
        results / "a" / "frames.npy",
    ]
    for path in kept[3:]:
        path.write_text("kept")
        os.utime(path, ns=minute_ago)
    sweep_temporaries(results, started)
    assert [path for path in old if path.exists()] == []
    assert not staging.exists()
    assert [path for path in kept if not path.exists()] == []


# A job that keeps a core busy for 0.4 s itself, 0.4 s in a process it waits
# for, and sleeps 0.4 s.
BUSY_JOB = """
import subprocess, sys, time
from framescape.common import run_step

BURN = "import time\\nend = time.process_time() + 0.4\\nwhile time.process_time() < end: pass"

def step():
    exec(BURN)
    subprocess.run([sys.executable, "-c", BURN], check=True)
    time.sleep(0.4)

run_step(sys.argv[1], step)
"""


def test_a_jobs_log_ends_with_what_it_used(results):
    """The kernel's CPU count, the waited-for process included, and the wall
    time from the process's start (the interpreter's start-up included), read
    back as the benchmarks read it."""
    log = results / "movie" / "logs" / "busy.log"
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", BUSY_JOB, str(log)], check=True, timeout=120)
    elapsed = time.monotonic() - started
    last = log.read_text().splitlines()[-1]
    usage = logged_usage(last)
    assert usage, last
    cpu, wall, cores, peak = usage
    # 0.8 s of busy loops, the job's own and its child's (either alone: 0.4 s
    # and the imports); the line rounds to a tenth of a second.
    assert 0.8 <= cpu <= wall + 0.05
    assert 1.2 <= wall <= elapsed + 0.1
    # The share comes from the unrounded seconds: within their rounding.
    assert (cpu - 0.05) / (wall + 0.05) - 0.005 <= cores
    assert cores <= (cpu + 0.05) / (wall - 0.05) + 0.005
    # numpy and framescape's modules are loaded: tens of MB.
    assert 20 <= peak <= 2000


# A process holding 400 MB that starts a job which holds little, as Snakemake's
# process (130 MB and more) starts a job's script.
LARGE_PARENT = """
import subprocess, sys
import numpy as np

held = np.ones(400 * 2**20 // 8)
job = "import sys\\nfrom framescape.common import run_step\\nrun_step(sys.argv[1], print)"
subprocess.run([sys.executable, "-c", job, sys.argv[1]], check=True)
print(held.sum())
"""


def test_a_jobs_peak_is_its_own_not_its_starters(results):
    """``getrusage``'s peak keeps that of the program a process replaced (the
    process that started it): the usage line gives the job's own."""
    log = results / "movie" / "logs" / "small.log"
    subprocess.run(
        [sys.executable, "-c", LARGE_PARENT, str(log)], check=True, timeout=120
    )
    usage = logged_usage(log.read_text())
    assert usage
    assert 20 <= usage[3] <= 200, usage


def test_a_missing_status_field_reads_as_none():
    assert status_kib("VmHWM") >= status_kib("VmRSS") > 0
    assert status_kib("NoSuchField") is None


def test_a_jobs_usage_line_reads_back():
    assert logged_usage("nothing here") is None
    text = "10:00:00 INFO job used 1.5 CPU s in 3.0 s (0.50 cores busy), peak 12 MB\n"
    assert logged_usage("earlier\n" + text) == (1.5, 3.0, 0.5, 12.0)
