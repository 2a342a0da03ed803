"""The results folder's lock: one run at a time writes into a results folder."""

import fcntl
import os
from pathlib import Path

from framescape.common import FramescapeError

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
