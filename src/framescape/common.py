"""Helpers shared by every step: logging to the rule's log file, atomic writes,
and the one-line error a user sees for a bad movie or setting."""

import contextlib
import csv
import glob
import json
import logging
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

log = logging.getLogger("framescape")

METHOD_LABELS = {"mds": "MDS", "tsne": "t-SNE", "umap": "UMAP"}


def map_label(key):
    """A map's name for people: ``"umap_hsl"`` → ``"UMAP · hsl"``."""
    method, metric = key.split("_")
    return f"{METHOD_LABELS.get(method, method)} · {metric}"


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


def run_step(log_file, step, *args, **kwargs):
    """Run ``step(*args, **kwargs)`` as one Snakemake job, logging to ``log_file``.

    A :class:`FramescapeError` (the user's input) becomes one
    ``framescape: error: …`` line on stderr and in the log, and a non-zero exit,
    so the job fails with the reason and ``--keep-going`` carries on with the
    other movies. Any other exception is a defect: its traceback goes to the log
    and to stderr.
    """
    setup_logging(log_file)
    try:
        step(*args, **kwargs)
    except FramescapeError as error:
        log.error("%s", error)
        print(f"framescape: error: {error}", file=sys.stderr, flush=True)
        sys.exit(1)
    except Exception:
        log.exception("unexpected error (please report it with this log)")
        raise


def current_umask():
    """The process's file-creation mask (os.umask can only be read by setting it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path, suffix=None):
    """Yield a temporary path beside ``path``; rename it to ``path`` on success.

    A killed or failed step never leaves a truncated file under its final name.
    ``suffix`` keeps the extension for writers that look at it (``np.save``).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Snakemake gives an output to one job at a time: temporaries beside it are
    # leftovers of a killed run.
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*"):
        stale.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=suffix or path.suffix
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
    """The shape of an .npy file, from its header."""
    return np.load(path, mmap_mode="r").shape


def load_json(path):
    """Read a UTF-8 JSON file."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def load_frames_tsv(path):
    """Frame table: list of ``{"frame": int, "time": float, "file": str}``."""
    with open(path, newline="", encoding="utf-8") as table:
        return [
            {
                "frame": int(row["frame"]),
                "time": float(row["time"]),
                "file": row["file"],
            }
            for row in csv.DictReader(table, delimiter="\t")
        ]
