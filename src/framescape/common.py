"""Helpers shared by every step: logging to the rule's log file, atomic writes,
and the one-line error a user sees for a bad movie or setting."""


import contextlib
import csv
import glob
import io
import json
import logging
import os
import re
import socket
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

from framescape.registry import METHODS
from framescape.run.hugepages import huge_blas_buffers
from framescape.run.jobs import record_job

MB = 1024**2
GB = 1024**3

log = logging.getLogger("framescape")


def map_label(key):
    """A map's name for people: ``"umap_hsl"`` → ``"UMAP · hsl"``."""
    method, metric = key.split("_")
    label = METHODS[method].label if method in METHODS else method
    return f"{label} · {metric}"


def format_duration(seconds):
    """A duration for people: ``M:SS.s`` or ``H:MM:SS.s``, in tenths of a second.

    Rounded to tenths before it is split, so 59.96 s reads ``1:00.0``.
    """
    minutes, tenths = divmod(round(float(seconds) * 10), 600)
    hours, minutes = divmod(minutes, 60)
    rest = f"{tenths // 10:02d}.{tenths % 10}"
    return f"{hours}:{minutes:02d}:{rest}" if hours else f"{minutes}:{rest}"


class Progress:
    """Progress lines for long work, at most one every ``every`` seconds:
    ``<what>: 1,200 of 5,000 pairs (24 %), 0:12.0 so far, about 0:38.0 left``.

    Call it with the work done so far, the whole work (``None`` when unknown) and
    its unit; ``clock`` is for the tests.
    """

    def __init__(self, what, every=10.0, clock=time.monotonic):
        self.what, self.every, self.clock = what, every, clock
        self.started = self.last = clock()

    def __call__(self, done, total, unit):
        now = self.clock()
        if now - self.last < self.every:
            return
        self.last = now
        elapsed = now - self.started
        if not total or done <= 0:
            log.info(
                "%s: %s %s, %s so far",
                self.what,
                f"{done:,}",
                unit,
                format_duration(elapsed),
            )
            return
        left = elapsed * (total - done) / done
        log.info(
            "%s: %s of %s %s (%.0f %%), %s so far, about %s left",
            self.what,
            f"{done:,}",
            f"{total:,}",
            unit,
            100 * done / total,
            format_duration(elapsed),
            format_duration(left),
        )


class FramescapeError(Exception):
    """A problem with the user's input: reported as one line, never a traceback."""


def rectangle_outside(rectangle, width, height):
    """Whether a mask rectangle ``[top, left, height, width]`` misses a frame entirely."""
    top, left, rect_height, rect_width = rectangle
    return (
        top >= height
        or left >= width
        or top + rect_height <= 0
        or left + rect_width <= 0
    )


def setup_logging(log_file=None):
    """Send framescape's log to ``log_file`` (the rule's ``log:``), else to stderr."""
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handlers = [logging.FileHandler(log_file, mode="w", encoding="utf-8")]
    else:
        handlers = [logging.StreamHandler(sys.stderr)]
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        datefmt="%H:%M:%S",
        handlers=handlers,
        force=True,
    )
    logging.captureWarnings(True)


def reason_path(log_file):
    """Where a job records why it failed: ``<log>.error`` beside its log.

    The workflow's ``onerror``/``onsuccess`` handler reads these files to give each
    movie its real outcome in ``movies.tsv`` and ``index.html``
    (``run.outcomes.write_outcomes``).
    """
    return Path(log_file).with_suffix(".error")


def run_step(log_file, step, *args, **kwargs):
    """Run ``step(*args, **kwargs)`` as one Snakemake job, logging to ``log_file``.

    A :class:`FramescapeError` (the user's input) becomes one
    ``framescape: error: …`` line on stderr and in the log, and a non-zero exit,
    so the job fails with the reason and ``--keep-going`` carries on with the
    other movies. Any other exception is a defect: its traceback goes to the log
    and to stderr.

    The job's outcome is kept in :func:`reason_path` of the log: written before
    the step starts (so a job killed for memory or time says so), replaced by the
    user-error line on a :class:`FramescapeError`, removed when the step succeeds.

    While the process lives, the job is recorded in its run's results folder
    (:func:`framescape.run.jobs.record_job`): no later run starts while it still
    writes there. Before the step, the BLAS library's buffer is given huge pages
    where the kernel gives them only on request
    (:func:`framescape.run.hugepages.huge_blas_buffers`).
    """
    record_job(log_file)
    setup_logging(log_file)
    reason = reason_path(log_file)
    save_text(
        reason, f"did not finish (killed? out of memory or time?): see {log_file}"
    )
    try:
        huge_blas_buffers()
        step(*args, **kwargs)
    except FramescapeError as error:
        log.error("%s", error)
        print(f"framescape: error: {error}", file=sys.stderr, flush=True)
        save_text(reason, str(error))
        sys.exit(1)
    except Exception as error:
        log.exception("unexpected error (please report it with this log)")
        save_text(reason, f"unexpected error ({type(error).__name__}): see {log_file}")
        raise
    reason.unlink()


def current_umask():
    """The process's file-creation mask (os.umask can only be read by setting it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# mkstemp's random part: 8 of these characters.
TEMPORARY_NAME = re.compile(r"(?P<pid>\d+)\.[a-z0-9_]{8}")


def process_gone(pid):
    """Whether no process ``pid`` runs on this host (so it made nothing still in use)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def sweep_dead_temporaries(path, suffix):
    """Delete the temporaries of ``path`` left by killed processes of this host.

    Only names of exactly :func:`atomic_path`'s form whose process no longer
    runs: a live writer's file (another job's, another run's, another node's) is
    never touched. A pid taken again by a new process only keeps a dead file
    longer. Within a run, so that each killed try of a job does not leave its
    temporary until the next run sweeps them all (``run.lock.start_run``).
    """
    prefix = f".{path.name}.{socket.gethostname()}."
    for entry in path.parent.glob(f"{glob.escape(prefix)}*{glob.escape(suffix)}"):
        random_part = entry.name[len(prefix) : len(entry.name) - len(suffix)]
        match = TEMPORARY_NAME.fullmatch(random_part)
        if match and process_gone(int(match["pid"])):
            entry.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_path(path, suffix=None):
    """Yield a temporary path beside ``path``; rename it to ``path`` on success.

    A killed or failed step never leaves a truncated file under its final name.
    ``suffix`` keeps the extension for writers that look at it (``np.save``).
    The temporary's name, ``.<name>.<host>.<pid>.<random><suffix>``, says who
    made it: those of this host's dead processes are swept here, the others
    when the next run starts (``run.lock.sweep_temporaries``).
    """
    path = Path(path)
    suffix = suffix or path.suffix
    path.parent.mkdir(parents=True, exist_ok=True)
    sweep_dead_temporaries(path, suffix)
    fd, tmp = tempfile.mkstemp(
        dir=path.parent,
        prefix=f".{path.name}.{socket.gethostname()}.{os.getpid()}.",
        suffix=suffix,
    )
    os.close(fd)
    try:
        yield Path(tmp)
        # mkstemp makes the file private (0600); outputs get the usual mode.
        if not os.path.islink(tmp):
            os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def save_npy(path, array):
    """Write ``array`` to ``path`` in ``.npy`` format, atomically."""
    with atomic_path(path, suffix=".npy") as tmp:
        np.save(tmp, array)


def save_npz(path, **arrays):
    """Write ``arrays`` to ``path`` in ``.npz`` format (uncompressed), atomically;
    the same arrays give the same bytes (``np.savez`` stamps each member with
    the time of writing)."""
    with atomic_path(path, suffix=".npz") as tmp, zipfile.ZipFile(tmp, "w") as bundle:
        for name, array in arrays.items():
            member = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            with bundle.open(member, "w", force_zip64=True) as handle:
                np.lib.format.write_array(handle, np.asanyarray(array))


def save_json(path, data, **dump_options):
    """Write ``data`` as JSON to ``path``, atomically; NaN and Infinity are refused."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, allow_nan=False, ensure_ascii=False, **dump_options)
        handle.write("\n")


def save_text(path, text):
    """Write ``text`` to ``path`` as UTF-8, atomically."""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")


def npy_shape(path):
    """The shape of an .npy file, from its header alone: a damaged file (cut
    short) still gives it, so that sizing a job never fails the run's plan;
    the job that reads the file then fails with the reason."""
    with open(path, "rb") as handle:
        major, _ = np.lib.format.read_magic(handle)
        if major == 1:
            shape, _, _ = np.lib.format.read_array_header_1_0(handle)
        else:
            shape, _, _ = np.lib.format.read_array_header_2_0(handle)
    return shape


def load_json(path):
    """Read a UTF-8 JSON file."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


class TSV(csv.excel_tab):
    """The one dialect of framescape's tables (``movies.tsv``, ``frames.tsv``):
    tab-separated, ``\\n`` line ends, a field holding a tab, a quote or a line
    break in double quotes (``"`` doubled), everything else as it is."""

    lineterminator = "\n"
    strict = True


def tsv_text(header, rows):
    """A table in the :class:`TSV` dialect: ``header`` and ``rows`` (sequences;
    ``None`` becomes an empty field)."""
    buffer = io.StringIO()
    plain = csv.writer(buffer, TSV)
    # Python 3.11's writer quotes only the line terminator's characters, so a
    # lone carriage return would split the row when read: such rows are quoted whole.
    quoted = csv.writer(buffer, TSV, quoting=csv.QUOTE_ALL)
    for row in [header, *rows]:
        (quoted if any("\r" in str(value) for value in row) else plain).writerow(row)
    return buffer.getvalue()


def save_tsv(path, header, rows):
    """Write a :class:`TSV` table to ``path``, atomically."""
    save_text(path, tsv_text(header, rows))


def load_tsv(path):
    """A :class:`TSV` table's rows as ``{column: text}`` dicts."""
    with open(path, newline="", encoding="utf-8") as table:
        return list(csv.DictReader(table, dialect=TSV))


def load_frames_tsv(path):
    """Frame table: list of ``{"frame": int, "time": float, "file": str}``."""
    return [
        {"frame": int(row["frame"]), "time": float(row["time"]), "file": row["file"]}
        for row in load_tsv(path)
    ]
