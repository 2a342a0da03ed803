"""A long movie on the neighbour-graph path through the whole workflow: every
job's time and peak memory (the folder's jobs, reuse and shots, included), the
wall time, and that no file holds N×N numbers.

    python benchmarks/long_movie.py                  # 50,000 frames of 320x240
    python benchmarks/long_movie.py --frames 10000 --dense-max-frames 5000
    python benchmarks/long_movie.py --quick          # 600 frames of 80x60, t-SNE 500

The movie is ffmpeg's ``testsrc2`` pattern at 320×240, one frame a second, with
the repository's config.yaml (both metrics, all three methods, the plots and the
viewer; ``fps: 1`` gives exactly N frames), as ``benchmarks/scaling.py`` makes
it. The targets (a 50,000-frame movie within 30 minutes on 2 cores, no job above
6 GB, the cores at least 85 % busy: the jobs' CPU time, the kernel's count each
job's log ends with, against wall time × the machine's cores) are printed as
met or missed; a failed workflow, an (N, N) array in any
``.npy`` or ``.npz`` file or a job whose peak memory exceeded what it asked for
(its ``mem_mb``, in MiB: what a SLURM job is held to, less the fixed part of
the Snakemake processes that run it there,
framescape.resources.SNAKEMAKE_PROCESSES) exits
non-zero; Snakemake
samples the peak every second for half a minute, then every 30 s, so a short
spike can pass unseen. Unset OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE for this command only.
"""

import argparse
import os
import re
import subprocess
import sys
from collections import defaultdict

import numpy as np

from common import (
    TARGET_MB,
    busy_line,
    cpu_description,
    job_benchmarks,
    jobs_cpu,
    print_rule_table,
    run_workflow,
)
from framescape.distances.tiles import HEATMAP_CELLS

TARGET_MINUTES = 30


def square_arrays(results, n):
    """The ``.npy``/``.npz`` files under ``results`` holding an (N, N) array."""
    found = []
    for path in sorted(results.rglob("*.np[yz]")):
        if path.suffix == ".npy":
            shapes = [np.load(path, mmap_mode="r").shape]
        else:
            with np.load(path) as arrays:
                shapes = [arrays[name].shape for name in arrays.files]
        # A heatmap has at most HEATMAP_CELLS cells a side: below that, a frame each.
        capped = path.name.endswith("_heatmap.npy") and n <= HEATMAP_CELLS
        if any(shape[:2] == (n, n) for shape in shapes) and not capped:
            found.append(path)
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=50000)
    parser.add_argument("--cores", type=int, default=os.cpu_count())
    parser.add_argument(
        "--dense-max-frames",
        default="auto",
        help="config dense_max_frames (auto: what fits memory_limit_gb)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the run folder")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    config = [f"dense_max_frames={args.dense_max_frames}"]
    if args.quick:
        args.frames = 600
        config = [
            "dense_max_frames=500",
            "tile_frames=512",
            "frame_width=80",
            "frame_height=60",
            # Half the t-SNE iterations: its two jobs were most of the run.
            "tsne={perplexity: 30, early_exaggeration: 12, max_iter: 500}",
        ]
    print(
        f"{args.frames:,} frames, testsrc2; {cpu_description()}; {os.cpu_count()} cores, "
        f"--cores {args.cores}; load average {os.getloadavg()[0]:.1f} at the start",
        flush=True,
    )
    wall, steps, folder, asked, usage = run_workflow(args.frames, args.cores, config)
    try:
        results = folder / "results"
        squares = square_arrays(results, args.frames)
        rules = defaultdict(list)
        cpu = jobs_cpu(usage, steps, results / f"test{args.frames}" / "benchmarks")
        # The folder's jobs too (the reuse and shot stages, in a folder of one
        # movie): the run's time is theirs as much as the movie's own.
        folder_steps = job_benchmarks(results / "benchmarks")
        cpu |= jobs_cpu(usage, folder_steps, results / "benchmarks")
        steps |= folder_steps
        for stem, (seconds, rss) in steps.items():
            rule = stem.removesuffix(f"_test{args.frames}")
            # A metric's or a block's jobs (graph_rerank_hsl_3, reuse_search_0):
            # one row.
            rule = re.sub(r"_\d+$", "", rule.split("_gray")[0].split("_hsl")[0])
            rules[rule].append((seconds, rss, stem, cpu[stem]))
        print_rule_table(rules, asked, "asked")
        # Every job's, the folder's own (list_movies, the index page…) included.
        print(busy_line(usage, wall))
        biggest = max(steps.items(), key=lambda item: item[1][1])
        print(
            f"whole workflow {wall / 60:.1f} min (target {TARGET_MINUTES}: "
            f"{'met' if wall <= TARGET_MINUTES * 60 else 'missed'}); largest job "
            f"{biggest[0]} {biggest[1][1]:.0f} MB (target {TARGET_MB} MB: "
            f"{'met' if biggest[1][1] <= TARGET_MB else 'missed'}); "
            f"load average {os.getloadavg()[0]:.1f} at the end"
        )
        over = [
            f"{stem} {rss:.0f} MB > {asked[stem]}"
            for stem, (_, rss) in sorted(steps.items())
            if stem in asked and rss > asked[stem]
        ]
        unknown = sorted(stem for stem in steps if stem not in asked)
        print(
            f"memory asked for the step (mem_mb less Snakemake's processes) known "
            f"for {len(steps) - len(unknown)} of "
            f"{len(steps)} jobs"
            + (f" (not for {', '.join(unknown)})" if unknown else "")
            + "; "
            + (f"above it: {', '.join(over)}" if over else "no peak seen above it")
        )
        if squares:
            print("(N, N) arrays in: " + ", ".join(map(str, squares)))
        else:
            print("no (N, N) array in any .npy or .npz file")
        return 1 if squares or over or len(unknown) == len(steps) else 0
    finally:
        if args.keep:
            print(f"run folder kept: {folder}")
        else:
            subprocess.run(["rm", "-rf", str(folder)], check=True)


if __name__ == "__main__":
    sys.exit(main())
