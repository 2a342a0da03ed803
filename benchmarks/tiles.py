"""Distance matrices of one long movie as one job each and in tiles, through the
workflow: time and peak memory of every job (Snakemake's ``benchmark:`` files),
and whether the tiled matrices equal the one-job ones byte for byte.

    python benchmarks/tiles.py [--frames 10000] [--tile-frames 4096] [--cores 2]
    python benchmarks/tiles.py --quick     # 700 frames of 80x60 in tiles of 512

The movie is ffmpeg's ``testsrc2`` pattern at 320×240, one frame a second (see
scaling.py); both runs use the repository's config.yaml and differ only in
``tile_frames``. A failed run, or a tiled matrix that is not the one-job one byte
for byte, exits non-zero.
"""

import argparse
import filecmp
import os
import sys
import tempfile
import time
from pathlib import Path

from common import CONFIG, job_benchmarks, snakemake, testsrc_movie


def run_distances(folder, results, tile_frames, cores, config=()):
    """Run the workflow up to both distance matrices (``config``: more
    ``--config`` overrides); ``(wall seconds, jobs)``."""
    targets = [f"{results}/test/distances/{metric}.npy" for metric in ("gray", "hsl")]
    started = time.monotonic()
    result = snakemake(
        folder,
        "--config",
        f"results={results}",
        f"tile_frames={tile_frames}",
        *config,
        "--",
        *targets,
        configfile=CONFIG,
        cores=cores,
        check=False,
        timeout=None,
    )
    wall = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(
            f"workflow failed (tile_frames {tile_frames}):\n{result.stderr[-3000:]}"
        )
    return wall, job_benchmarks(folder / results / "test" / "benchmarks")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=10000)
    parser.add_argument("--tile-frames", type=int, default=4096)
    parser.add_argument("--cores", type=int, default=os.cpu_count())
    parser.add_argument(
        "--quick",
        action="store_true",
        help="700 frames of 80x60 in tiles of 512 (2 blocks, 3 tiles a metric)",
    )
    args = parser.parse_args()
    size, config = "320x240", []
    if args.quick:
        args.frames, args.tile_frames = 700, 512
        size, config = "80x60", ["frame_width=80", "frame_height=60"]
    print(
        f"{os.cpu_count()} cores, --cores {args.cores}; "
        f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; "
        f"{args.frames} frames of {size}, tiles of {args.tile_frames}"
    )
    with tempfile.TemporaryDirectory(prefix="framescape-tiles-") as name:
        folder = Path(name)
        (folder / "movies").mkdir()
        testsrc_movie(folder / "movies" / "test.mp4", args.frames)
        whole_frames = -(-args.frames // 512) * 512
        runs = {
            "one job": run_distances(folder, "whole", whole_frames, args.cores, config),
            "tiled": run_distances(
                folder, "tiled", args.tile_frames, args.cores, config
            ),
        }
        for label, (wall, jobs) in runs.items():
            extract = jobs["extract_frames"][0]
            print(
                f"{label}: {wall:.0f} s wall, of which extract_frames {extract:.0f} s"
            )
            for metric in ("gray", "hsl"):
                seconds, rss = jobs[f"compute_distances_{metric}"]
                tiles = [
                    value
                    for stem, value in jobs.items()
                    if stem.startswith(f"compute_distance_tile_{metric}_")
                ]
                if tiles:
                    print(
                        f"  {metric}: {len(tiles)} tile jobs, "
                        f"{sum(s for s, _ in tiles):.1f} s in all, "
                        f"longest {max(s for s, _ in tiles):.1f} s, "
                        f"largest {max(m for _, m in tiles):.0f} MB; "
                        f"assembly {seconds:.1f} s, {rss:.0f} MB"
                    )
                else:
                    print(f"  {metric}: one job {seconds:.1f} s, {rss:.0f} MB")
        differing = []
        for metric in ("gray", "hsl"):
            same = filecmp.cmp(
                folder / f"whole/test/distances/{metric}.npy",
                folder / f"tiled/test/distances/{metric}.npy",
                shallow=False,
            )
            print(
                f"{metric}: tiled matrix {'IDENTICAL to' if same else 'DIFFERS from'} one job"
            )
            differing += [] if same else [metric]
        for label, (_, jobs) in runs.items():
            tiles = [stem for stem in jobs if stem.startswith("compute_distance_tile_")]
            if (label == "tiled") != bool(tiles):
                differing.append(f"{label} run with {len(tiles)} tile jobs")
    if differing:
        sys.exit(f"benchmarks/tiles.py: wrong: {', '.join(differing)}")


if __name__ == "__main__":
    main()
