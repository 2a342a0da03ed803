"""The reuse stage's jobs past reuse.index_windows (reuse_index, reuse_search,
and reuse joining their pairs): each job's peak memory and time on synthetic folders, each
in a fresh process, against what it asks a cluster for
(framescape.reuse.resources). Fails when a job takes more than it asks for.

The folders: movies cut from one long walk of footage-like descriptors (each
window keeps 0.9 of the last one), each window found again in about two other
movies, so that every searched window finds pairs (8 a window)."""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from common import cpu_description, load_average
from framescape.common import MB, save_npz
from framescape.reuse import resources
from framescape.reuse.parameters import SEARCH_ROWS, search_blocks, search_rows

SIZES = (120_000, 240_000, 480_000)
QUICK_SIZES = (60_000,)
MOVIES = 24
THREADS = 2
MIN_SECONDS = 3.0


def make_folder(folder, windows, movies=MOVIES, seed=0, interval=1.0):
    """``movies`` descriptors.npz of ``windows`` windows in all (at least four
    movies), in ``folder``, windows of ``interval`` s one every half interval as
    the workflow makes them; their paths in movie order."""
    rng = np.random.default_rng(seed)
    walk = np.empty((windows // 3, 192), np.float32)
    walk[0] = rng.normal(size=192)
    for t in range(1, len(walk)):
        walk[t] = 0.9 * walk[t - 1] + 0.436 * rng.normal(size=192)
    per, paths = windows // movies, []
    for movie in range(movies):
        start = rng.integers(0, len(walk) - per)
        vectors = walk[start : start + per] + rng.normal(0, 0.3, size=(per, 192))
        # Each part's cells centred, the vector of unit length, as ranks are.
        vectors -= vectors.reshape(per, 12, 16).mean(axis=2).repeat(16, axis=1)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        paths.append(folder / f"m{movie}.npz")
        save_npz(
            paths[-1],
            vectors=vectors.astype(np.float32),
            times=np.arange(per) * interval / 2,
            interval=np.float64(interval),
            parts=np.int64(12),
        )
    return paths


STEP = """
import resource, sys, time
from framescape.reuse import jobs, search
npzs, folder, what = sys.argv[1].split(","), sys.argv[2], sys.argv[3]
started = time.monotonic()
if what == "index":
    search.index_step(npzs, f"{folder}/w.faiss", threads=THREADS)
elif what == "stretches":
    parts = sys.argv[4].split(",")
    jobs.reuse_step(npzs, list(range(len(npzs))), MIN_SECONDS, f"{folder}/r.tsv",
                    pair_npzs=parts)
else:
    search.search_step(npzs, f"{folder}/w.faiss", f"{folder}/p{what}.npz", what,
                       MIN_SECONDS, threads=THREADS)
print(time.monotonic() - started,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def run_step(paths, folder, what, *extra, min_seconds=MIN_SECONDS):
    """(seconds, peak bytes) of one step in a fresh process."""
    code = STEP.replace("THREADS", str(THREADS))
    code = code.replace("MIN_SECONDS", str(min_seconds))
    names = ",".join(map(str, paths))
    result = subprocess.run(
        [sys.executable, "-c", code, names, str(folder), what, *extra],
        check=True,
        capture_output=True,
        text=True,
    )
    seconds, peak = result.stdout.split()[-2:]
    return float(seconds), int(peak)


def window_counts(paths):
    """Each descriptors.npz's windows."""
    counts = []
    for path in paths:
        with np.load(path) as data:
            counts.append(len(data["times"]))
    return counts


def run_jobs(paths, folder, min_seconds=MIN_SECONDS):
    """The index's jobs over the movies' descriptors ``paths`` (reuse_index,
    each reuse_search block, reuse), each in a fresh process, writing into
    ``folder`` (the stretches: ``r.tsv``, movies numbered in ``paths``'
    order); print each one's time and peak against its asks. ``(True when
    none took more than it asks for, seconds of all)``."""
    counts = window_counts(paths)
    total, rows = sum(counts), search_rows(counts)
    jobs = [("index", resources.index_memory(total), resources.index_minutes(total))]
    for block in range(search_blocks(counts)):
        searched = min(SEARCH_ROWS, rows - block * SEARCH_ROWS)
        jobs.append(
            (
                str(block),
                resources.search_memory(total, searched),
                resources.search_minutes(searched),
            )
        )
    parts = ",".join(str(folder / f"p{block}.npz") for block in range(len(jobs) - 1))
    jobs.append(
        (
            "stretches",
            resources.stretches_memory(total),
            resources.stretches_minutes(total),
        )
    )
    good, spent = True, 0.0
    for what, asked_bytes, asked_minutes in jobs:
        extra = (parts,) if what == "stretches" else ()
        seconds, peak = run_step(paths, folder, what, *extra, min_seconds=min_seconds)
        spent += seconds
        name = "reuse_search " + what if what.isdigit() else "reuse_" + what
        fits = peak <= asked_bytes and seconds <= 60 * asked_minutes
        good &= fits
        print(
            f"{total:>9,} windows  {name:<16} {seconds:7.1f} s "
            f"(asks {asked_minutes} min)  {peak / MB:7.0f} MB "
            f"(its step asks {asked_bytes / MB:,.0f} MB)"
            f"{'' if fits else '  MORE THAN ASKED'}",
            flush=True,
        )
    return good, spent


def measure(windows):
    """Print each job's time and peak against its asks on a synthetic folder of
    ``windows`` windows; True when none takes more than it asks for."""
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        return run_jobs(make_folder(folder, windows), folder)[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="60,000 windows only")
    args = parser.parse_args()
    print(f"{cpu_description()}; load average {load_average()} at the start")
    started = time.perf_counter()
    # Every size measured, also after one that takes more than it asks for.
    fits = [measure(windows) for windows in (QUICK_SIZES if args.quick else SIZES)]
    print(
        f"load average {load_average()} at the end; "
        f"{time.perf_counter() - started:.0f} s in all"
    )
    return 0 if all(fits) else 1


if __name__ == "__main__":
    sys.exit(main())
