"""The results folder's lock: one run at a time writes into a results folder,
and none while jobs of an earlier run still do; what killed jobs left there is
swept when a run starts."""

import fcntl
import os
import re
import shutil
import socket
from pathlib import Path

from framescape.common import TEMPORARY_NAME as TEMPORARY_TAIL
from framescape.common import FramescapeError
from framescape.frames.extract import staging_folder
from framescape.run.jobs import RECORDS, RUN_FILE, begin_run, earlier_jobs, jobs_in

LOCK_FILE = ".framescape.lock"
# common.atomic_path's temporaries, .<name>.<host><tail><suffix>, the tail
# (<pid>.<mkstemp's 8 characters>) as common.atomic_path's own sweep reads it.
TEMPORARY_NAME = re.compile(
    rf"\.[^/]+\.[^/]+\.{TEMPORARY_TAIL.pattern}(\.[A-Za-z0-9]+)?"
)


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
    then no job of an earlier run still at work in it, nor queued
    (:mod:`framescape.run.jobs`), then the temporaries that killed jobs left
    swept, whichever host ran them. Returns the open lock file.

    Raises :class:`FramescapeError` with what to do while another run holds the
    folder or jobs of an earlier one still write into it, or may yet: SLURM
    jobs queued or running in this working directory (Snakemake's SLURM
    executor submits every job there).
    """
    lock = lock_results(results)
    begin_run(results)
    running, unknown = earlier_jobs(results)
    queued = jobs_in(Path.cwd()) or []
    if running or unknown or queued:
        lock.close()
        raise FramescapeError(refusal(results, running, unknown, queued))
    # No job of an earlier run is left, so every temporary older than this
    # run is a killed job's.
    sweep_temporaries(results, run_started(results))
    return lock


def run_started(results):
    """When the run that holds ``results`` started (ns since the epoch), by the
    clock that stamps the folder's files (a file server's, which the host's may
    not match): the time its id was written there."""
    return (Path(results) / RECORDS / RUN_FILE).stat().st_mtime_ns


def refusal(results, running, unknown, queued=()):
    """The one line of :func:`start_run` for the jobs of earlier runs still at
    work: which to end, and how, on which host. ``queued``: ids of SLURM jobs
    queued or running in this working directory, recorded or not."""
    here = socket.gethostname()
    steps = {}
    for job in running:
        if job["slurm_job"] and job["host"] != here:
            steps.setdefault("scancel", set()).add(int(job["slurm_job"]))
        else:
            steps.setdefault(f"on host {job['host']}: kill", set()).add(job["pid"])
    recorded = {job["slurm_job"] for job in running + unknown}
    queued = [job for job in queued if job not in recorded]
    if queued:
        steps.setdefault("scancel", set()).update(map(int, queued))
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
    count = len(running) + len(unknown) + len(queued)
    jobs, them = (
        (f"{count} jobs of an earlier run still write", "they end, or end them")
        if count > 1
        else ("a job of an earlier run still writes", "it ends, or end it")
    )
    return (
        f"{jobs} into '{results}' (was its Snakemake killed?): wait until {them} "
        f"({'; '.join(ends)}), then run again"
    )


def written_before(path, before):
    """Whether ``path`` (not followed if a link) was last changed before ``before``
    (ns since the epoch); False once it is gone."""
    try:
        return path.lstat().st_mtime_ns < before
    except FileNotFoundError:
        return False


def sweep_temporaries(results, before):
    """Delete the temporaries under ``results`` last written before ``before``
    (ns since the epoch), whichever host and process made them.

    For the start of a run, once no job of an earlier one is left
    (:func:`start_run`): every such file is then a killed job's. Only names of
    ``common.atomic_path``'s form, and the frames a killed ``extract_frames``
    left in a movie's staging folder; a movie's ``frames/`` (its PNGs, only
    ever renamed there whole) and the job records are not walked.
    """
    results = Path(results)
    for folder, subfolders, files in os.walk(results):
        folder = Path(folder)
        for name in files:
            path = folder / name
            if TEMPORARY_NAME.fullmatch(name) and written_before(path, before):
                path.unlink(missing_ok=True)
        skipped = set()
        if folder == results:
            skipped = {RECORDS}
        elif folder.parent == results:
            staging = staging_folder(folder / "frames")
            skipped = {"frames", staging.name}
            if staging.is_dir() and written_before(staging, before):
                shutil.rmtree(staging, ignore_errors=True)
        subfolders[:] = [name for name in subfolders if name not in skipped]
