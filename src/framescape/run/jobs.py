"""Records of the jobs at work in a results folder, so that no run starts while
jobs of an earlier one still write there.

Snakemake killed with ``kill -9`` leaves its jobs running (local processes,
SLURM jobs), and a new run would run the same jobs again: whichever writes last
wins, and a job started with the old settings can overwrite a newer result that
nothing reruns. So every job (``common.run_step``) records itself in
``results/.framescape.jobs/`` when its step starts, in a file named after its
host, process and SLURM job that it holds locked while it lives, and removes it
when it ends; a killed job leaves its record unlocked. A new run, under the
results folder's lock (:mod:`framescape.run.lock`), reads the records: a held
one stops it; the others are removed.

A lock taken on one node is not seen on the others on some cluster file systems,
so a SLURM job's record of another host that looks unlocked is also checked with
``squeue``. A SLURM job of the killed run still queued has no record yet, and it
does write when it starts: Snakemake's own process in it deletes the job's old
outputs and log before the step starts, and again once the step has failed. So a
new run also waits while ``squeue`` lists jobs of the user queued or running in
its working directory (:func:`jobs_in`). One that starts unseen all the same
(``squeue`` did not answer) finds the new run's id in the folder and stops
before its step writes anything.

A job's record also writes, as it ends, what the job used into its log
(:func:`log_usage`): its CPU seconds by the kernel's count, which the
benchmarks sum, where Snakemake's benchmark files sample them.

Nothing here imports the rest of framescape: every job loads it, and it never
changes what a job computes (it is left out of the step-code digest).
"""

import atexit
import fcntl
import logging
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

RECORDS = ".framescape.jobs"
# When this module was imported: a job's start where /proc cannot tell it.
IMPORTED = time.monotonic()
# The line a job's log ends with (log_usage), and how benchmarks/ read it back.
USAGE_FORMAT = "job used %.1f CPU s in %.1f s (%.2f cores busy), peak %.0f MB"
USAGE_PATTERN = re.compile(
    r"job used ([0-9.]+) CPU s in ([0-9.]+) s \(([0-9.]+) cores busy\), "
    r"peak ([0-9]+) MB"
)
# The id of the run that holds the folder now, in RECORDS.
RUN_FILE = "run"
# What a run tells its jobs (they inherit its environment, on SLURM too).
RESULTS_VARIABLE = "FRAMESCAPE_RESULTS"
RUN_VARIABLE = "FRAMESCAPE_RUN"
# <host>.<pid>.<SLURM job id or ->.<mkstemp's 8 characters>.job
# A record's name until it is locked (record_job).
STARTING = ".job-starting"
RECORD_NAME = re.compile(
    r"(?P<host>.+)\.(?P<pid>\d+)\.(?P<slurm_job>\d+|-)\.[a-z0-9_]{8}\.job"
)
# squeue's states of a job that has ended for good: any other may still run.
ENDED = {
    "BOOT_FAIL",
    "CANCELLED",
    "COMPLETED",
    "DEADLINE",
    "FAILED",
    "NODE_FAIL",
    "OUT_OF_MEMORY",
    "PREEMPTED",
    "REVOKED",
    "TIMEOUT",
}
# squeue's states of a job whose script has ended, while SLURM ends the rest.
ENDING = {"COMPLETING", "STAGE_OUT"}


def begin_run(results):
    """Make this process's run the one that writes into ``results`` (its lock
    held): its id in the folder, and in the environment its jobs inherit."""
    run = uuid.uuid4().hex
    folder = Path(results) / RECORDS
    folder.mkdir(parents=True, exist_ok=True)
    (folder / RUN_FILE).write_text(f"{run}\n", encoding="utf-8")
    # Absolute: a job that runs in another working directory finds it too.
    os.environ[RESULTS_VARIABLE] = str(Path(results).resolve())
    os.environ[RUN_VARIABLE] = run
    return run


def record_job(log_file):
    """Record this job in its run's results folder until the process ends.

    Only in a job of a run (the environment :func:`begin_run` set); the record
    stays locked while the process lives and is removed when it exits, however
    its step ended, just after the job's log gets its usage line
    (:func:`log_usage`). A job of an earlier run, started after a new run took the
    folder, exits at once with one line, before its step writes its log or
    anything else (Snakemake, which started it, has deleted the job's old
    outputs already: hence the new run's wait for the jobs SLURM has queued).
    """
    results, run = os.environ.get(RESULTS_VARIABLE), os.environ.get(RUN_VARIABLE)
    if not (results and run):
        return
    folder = Path(results) / RECORDS
    folder.mkdir(parents=True, exist_ok=True)
    slurm_job = os.environ.get("SLURM_JOB_ID") or "-"
    # Made under a name a run does not read, and renamed once locked: a run
    # that found it between its creation and its lock would take it for the
    # record of a killed job and remove it.
    handle, starting = tempfile.mkstemp(
        dir=folder,
        prefix=f"{socket.gethostname()}.{os.getpid()}.{slurm_job}.",
        suffix=STARTING,
    )
    # Readable by all (mkstemp's are private): a run of another user sharing
    # the folder checks the lock too.
    os.fchmod(handle, 0o644)
    record = os.fdopen(handle, "w", encoding="utf-8")
    fcntl.flock(record, fcntl.LOCK_EX)
    record.write(f"{log_file}\n")
    record.flush()
    path = starting.removesuffix(STARTING) + ".job"
    os.rename(starting, path)
    atexit.register(end_record, record, path)
    # Registered after end_record, so run before it: the line is written while
    # the job still counts as at work.
    atexit.register(log_usage)
    # Read after the record exists: a new run that wrote its id later sees
    # the record when it checks; one that wrote it before is seen here.
    try:
        current = (folder / RUN_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        current = ""
    if current and current != run:
        sys.exit(
            f"framescape: error: a newer run writes into '{results}': this job "
            f"of an earlier run ({log_file}) stops without writing"
        )


def usage():
    """What this process has used so far: ``(wall seconds since it started, CPU
    seconds of it and of the processes it waited for, the peak resident MB of
    the largest of them)``.

    The CPU seconds are the kernel's own count, where Snakemake's benchmark
    files sample a job's CPU time, every 30 s after its first half minute, and
    miss what it used after the last sample."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    waited = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + waited.ru_utime + waited.ru_stime
    return (
        process_age(),
        cpu,
        max(own_peak_kib(own), waited.ru_maxrss) / 1024,
    )


def own_peak_kib(own):
    """This process's own peak resident KiB: Linux's ``VmHWM``, counted from
    the program it runs. ``own.ru_maxrss`` (``getrusage``) also keeps the peak
    of the program it replaced: a job's script started by Snakemake would
    report Snakemake's 130 MB or more, whatever the script held. Elsewhere,
    ``ru_maxrss``."""
    peak = status_kib("VmHWM")
    return own.ru_maxrss if peak is None else peak


def status_kib(field):
    """A memory field of this process in Linux's ``/proc/self/status``
    (``VmHWM``, the peak resident set; ``VmRSS``, the current one), KiB; None
    where there is none."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def process_age():
    """Seconds since this process started (Linux's /proc and boot clock, to a
    hundredth; elsewhere, since this module was imported)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            # The 22nd field, after the command name in parentheses: clock
            # ticks after boot.
            ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
        return time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf(
            "SC_CLK_TCK"
        )
    except (OSError, ValueError, IndexError, AttributeError):
        return time.monotonic() - IMPORTED


def log_usage():
    """One line in the job's log when it ends (:data:`USAGE_FORMAT`): its CPU
    seconds, its wall time and its largest process's peak memory
    (``benchmarks/`` sum the CPU seconds)."""
    wall, cpu, peak = usage()
    logging.getLogger("framescape").info(
        USAGE_FORMAT, cpu, wall, cpu / max(wall, 1e-9), peak
    )


def logged_usage(text):
    """``(CPU s, wall s, cores busy, peak MB)`` of the last usage line in a
    job's log ``text``, or None."""
    found = USAGE_PATTERN.findall(text)
    return tuple(map(float, found[-1])) if found else None


def end_record(record, path):
    """Remove the record at ``path``, then let go of its lock."""
    Path(path).unlink(missing_ok=True)
    record.close()


def held(path):
    """Whether the record at ``path`` is locked by its job (False once it is gone)."""
    try:
        handle = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(handle)
    return False


def earlier_jobs(results):
    """The jobs of earlier runs that may still write into ``results``:
    ``(running, unknown)``, each a list of ``{"host", "pid", "slurm_job",
    "path"}`` (``slurm_job`` None outside SLURM). ``unknown``: SLURM jobs of
    another host whose records look unlocked, on a machine without ``squeue``
    to ask. The records of jobs that have ended are removed.
    """
    here = socket.gethostname()
    running, unknown = [], []
    for path in sorted((Path(results) / RECORDS).glob("*.job")):
        name = RECORD_NAME.fullmatch(path.name)
        if not name:
            continue
        job = {
            "host": name["host"],
            "pid": int(name["pid"]),
            "slurm_job": None if name["slurm_job"] == "-" else name["slurm_job"],
            "path": path,
        }
        if held(path):
            running.append(job)
        elif job["slurm_job"] and job["host"] != here:
            unknown.append(job)
        else:
            path.unlink(missing_ok=True)
    remove_stale_starts(results)
    if not unknown:
        return running, []
    queued = slurm_jobs({job["slurm_job"] for job in unknown})
    if queued is None:
        return running, unknown
    for job in unknown:
        if job["slurm_job"] in queued:
            running.append(job)
        else:
            job["path"].unlink(missing_ok=True)
    return running, []


def remove_stale_starts(results, age=60):
    """Remove the records of jobs killed before they locked them: unlocked
    ones, named as they are until then, older than ``age`` seconds (a younger
    one may belong to a job about to lock it)."""
    for path in (Path(results) / RECORDS).glob(f"*{STARTING}"):
        try:
            old = time.time() - path.stat().st_mtime > age
        except FileNotFoundError:
            continue
        if old and not held(path):
            path.unlink(missing_ok=True)


def squeue(*options):
    """What ``squeue --noheader <options>`` lists, or None when ``squeue`` is
    missing or does not answer."""
    command = shutil.which("squeue")
    if command is None:
        return None
    try:
        listed = subprocess.run(
            [command, "--noheader", *options],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return listed.stdout


def slurm_jobs(job_ids):
    """Which of the SLURM jobs ``job_ids`` SLURM still runs or has queued, by
    ``squeue`` (a job it no longer lists has ended); None when ``squeue`` is
    missing or does not answer."""
    listing = squeue("--states=all", "--format=%i %T")
    if listing is None:
        return None
    return active_jobs(listing) & set(job_ids)


def active_jobs(listing):
    """The ids of the jobs in ``squeue --format='%i %T'`` output whose state
    is not one of a job that has ended."""
    active = set()
    for line in listing.splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[1] not in ENDED:
            active.add(fields[0])
    return active


def jobs_in(workdir):
    """The user's SLURM jobs queued or running in the working directory
    ``workdir`` (Snakemake's SLURM executor submits every job there), by
    ``squeue``: their ids, sorted, less the job this process runs in. None
    when ``squeue`` is missing or does not answer (a machine without SLURM).

    An array's id stands for all its jobs (``scancel`` ends them all).
    """
    listing = squeue("--me", "--format=%F %T %Z")
    if listing is None:
        return None
    workdir = os.path.realpath(workdir)
    mine = {os.environ.get("SLURM_JOB_ID"), os.environ.get("SLURM_ARRAY_JOB_ID")}
    found = set()
    for line in listing.splitlines():
        fields = line.split(maxsplit=2)
        if (
            len(fields) == 3
            and fields[0].isdigit()
            and fields[0] not in mine
            and fields[1] not in ENDED | ENDING
            and os.path.realpath(fields[2]) == workdir
        ):
            found.add(fields[0])
    return sorted(found, key=int)
