"""The results folder's lock: one run at a time writes into a results folder,
and none while jobs of an earlier run still do."""

import fcntl
import os
import socket
import time
from pathlib import Path

from framescape.common import FramescapeError, sweep_temporaries
from framescape.run.jobs import RECORDS, begin_run, earlier_jobs

LOCK_FILE = ".framescape.lock"


def lock_results(results):
    """Hold an exclusive lock on the folder ``results``; returns the open lock
    file, which holds the lock until it is closed or the process ends.

    Snakemake locks its working directory; this also stops a second run from
    another directory that writes to the same results folder. The kernel drops
    the lock when the process ends, however it ends (no stale lock after kill -9).
    Raises :class:`FramescapeError` naming the holder while another run holds it.
    """
    Path(results).mkdir(parents=True, exist_ok=True)
    # Held open past this function: the lock lasts as long as the file is open.
    lock = open(Path(results) / LOCK_FILE, "a+")  # noqa: SIM115
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        holder = lock.read().strip() or "another run"
        lock.close()
        raise FramescapeError(
            f"results folder '{results}' is in use by {holder}; wait until it ends"
        ) from None
    lock.truncate(0)
    lock.write(f"snakemake process {os.getpid()}\n")
    lock.flush()
    return lock


def start_run(results):
    """Take the folder ``results`` for this run: its lock (:func:`lock_results`),
    then no job of an earlier run still at work in it
    (:mod:`framescape.run.jobs`), then the temporaries that killed jobs left
    swept, whichever host ran them. Returns the open lock file.

    Raises :class:`FramescapeError` with what to do while another run holds the
    folder or jobs of an earlier one still write into it.
    """
    started = time.time()
    lock = lock_results(results)
    begin_run(results)
    running, unknown = earlier_jobs(results)
    if running or unknown:
        lock.close()
        raise FramescapeError(refusal(results, running, unknown))
    # No job of an earlier run is left, so every temporary older than this
    # run is a killed job's.
    sweep_temporaries(results, started)
    return lock


def refusal(results, running, unknown):
    """The one line of :func:`start_run` for the jobs of earlier runs still at
    work: which to end, and how, on which host."""
    here = socket.gethostname()
    steps = {}
    for job in running:
        if job["slurm_job"] and job["host"] != here:
            steps.setdefault("scancel", set()).add(int(job["slurm_job"]))
        else:
            steps.setdefault(f"on host {job['host']}: kill", set()).add(job["pid"])
    ends = [
        f"{command} {' '.join(map(str, sorted(ids)))}" for command, ids in steps.items()
    ]
    if unknown:
        ids = sorted({int(job["slurm_job"]) for job in unknown})
        ends.append(
            f"scancel {' '.join(map(str, ids))} (squeue cannot tell here whether "
            "they still run; once they have ended, delete their records in "
            f"{Path(results, RECORDS)})"
        )
    count = len(running) + len(unknown)
    jobs, them = (
        (f"{count} jobs of an earlier run still write", "they end, or end them")
        if count > 1
        else ("a job of an earlier run still writes", "it ends, or end it")
    )
    return (
        f"{jobs} into '{results}' (was its Snakemake killed?): wait until {them} "
        f"({'; '.join(ends)}), then run again"
    )
