"""Time and peak memory of every step for movies of growing length, through the
workflow itself (Snakemake's ``benchmark:`` files), and print a table.

    python benchmarks/scaling.py [--frames 365 1000 2000 5000 10000] [--cores 2]
    python benchmarks/scaling.py --quick    # 20 frames of 80x60, mds only: seconds

Each movie is ffmpeg's ``testsrc2`` pattern at 320×240, one frame a second, so
that ``fps: 1`` gives exactly N frames (N = 10,000 is a 2¾-hour movie at 1 fps);
every run uses the repository's config.yaml (both metrics, all three methods)
in a fresh folder: imports, JIT compilation and numba's cache as a first run
after install would have them (the cache in src/framescape/__pycache__ is kept).
A failed workflow, or an enabled step without its benchmark file, exits non-zero.
Then, per length, each job's throughput: its CPU seconds (the kernel's count its
log ends with), frames a second a core, and the core-hours a million frames in movies of that
length would take (docs/performance.md, "A million frames, movie by movie").
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

from common import busy_line, jobs_cpu, run_workflow

REPO = Path(__file__).resolve().parents[1]
STEPS = [
    ("extract_frames", "extract_frames"),
    ("distances gray", "compute_distances_gray"),
    ("distances hsl", "compute_distances_hsl"),
    ("mds gray", "embed_mds_gray"),
    ("mds hsl", "embed_mds_hsl"),
    ("tsne gray", "embed_tsne_gray"),
    ("tsne hsl", "embed_tsne_hsl"),
    ("umap gray", "embed_umap_gray"),
    ("umap hsl", "embed_umap_hsl"),
    ("merge_json", "merge_json"),
    ("nearest frames hsl", "nearest_frames_hsl"),
    ("plot maps", "plot_maps"),
    ("plot distances hsl", "plot_distances_hsl"),
    ("viewer page", "make_viewer"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--frames", type=int, nargs="+", default=[365, 1000, 2000, 5000, 10000]
    )
    parser.add_argument("--cores", type=int, default=os.cpu_count())
    parser.add_argument("--keep", action="store_true", help="keep the run folders")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="20 frames of 80x60, mds only: that the workflow and this table run",
    )
    args = parser.parse_args()
    config = []
    if args.quick:
        args.frames = [20]
        config = ["frame_width=80", "frame_height=60", "methods=[mds]"]
    print(
        f"{os.cpu_count()} cores, --cores {args.cores}; "
        f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}"
    )
    results, cpus = {}, {}
    for frames in args.frames:
        wall, steps, folder, _, usage = run_workflow(frames, args.cores, config)
        if not args.keep:
            subprocess.run(["rm", "-rf", str(folder)], check=True)
        # From the logs read during the run: the folder may be gone.
        benchmarks = folder / "results" / f"test{frames}" / "benchmarks"
        cpus[frames] = jobs_cpu(usage, steps, benchmarks)
        results[frames] = wall, steps
        skipped = ("embed_tsne", "embed_umap") if args.quick else ()
        missing = [
            stem
            for _, stem in STEPS
            if stem not in steps and not stem.startswith(skipped)
        ]
        if missing:
            sys.exit(f"N={frames}: no benchmark file for {', '.join(missing)}")
        print(f"N={frames}: whole workflow {wall:.0f} s", flush=True)
        for stem, (seconds, rss) in sorted(steps.items()):
            print(f"  {stem}: {seconds:.1f} s, {rss:.0f} MB", flush=True)
    header = "| step | " + " | ".join(f"N={n}" for n in results) + " |"
    print()
    print("seconds / peak RSS (MB) of each job")
    print(header)
    print("|---|" + "---:|" * len(results))
    for label, stem in STEPS:
        cells = []
        for wall, steps in results.values():
            seconds, rss = steps.get(stem, (float("nan"), float("nan")))
            cells.append(f"{seconds:.1f} s / {rss:.0f}")
        print(f"| {label} | " + " | ".join(cells) + " |")
    walls = " | ".join(f"{wall:.0f} s" for wall, _ in results.values())
    print(f"| **whole workflow (wall)** | {walls} |")
    for frames, (wall, _) in results.items():
        print_throughput(frames, wall, cpus[frames], args.cores)


def print_throughput(frames, wall, cpu, cores):
    """What each job of an ``frames``-frame movie costs a core: its CPU
    seconds, frames a second a core, and the core-hours a million frames in
    movies of this length would take; then the whole run's (the movie's own
    jobs: the folder's, such as reuse, are left out)."""
    print(f"\nN={frames}: throughput per job (CPU seconds by the kernel's count; "
          "a job with none, or under a tenth of a second, is left out)")
    print("| job | CPU s | frames a second a core | core-hours a million frames |")
    print("|---|---:|---:|---:|")
    measured = {stem: seconds for stem, seconds in cpu.items() if seconds}
    for stem, seconds in sorted(measured.items(), key=lambda item: -item[1]):
        print(f"| {stem} | {seconds:.1f} | {frames / seconds:,.0f} | "
              f"{1e6 / frames * seconds / 3600:.2f} |")
    total = sum(measured.values())
    if total == 0:
        print("| **all jobs** | no CPU seconds logged | | |")
        return
    print(f"| **all jobs** | {total:.1f} | {frames / total:,.1f} | "
          f"{1e6 / frames * total / 3600:.1f} |")
    print(busy_line(cpu, wall, cores))


if __name__ == "__main__":
    main()
