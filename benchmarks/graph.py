"""The neighbour graph against pynndescent, on the same frames: time and recall.

    python benchmarks/graph.py               # the demo at 4 fps (1,460 frames), 320x240
    python benchmarks/graph.py --fps 2 --k 30
    python benchmarks/graph.py --quick       # 200 frames of 80x60, seconds

Ours (framescape.graph.neighbour_graph) is exact: its neighbours are checked
against ranking the whole matrix at the start (up to 2,000 frames). pynndescent
(what umap-learn uses by itself) searches the same vectors: luma under L1 for
gray, the hsl features under Euclidean distance for hsl (the same order as the
metric: d_hsl = |features_a - features_b|^2 / P). Recall is the share of each
frame's true k nearest that a method finds. Unset OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE for this command only.
"""

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np

from framescape import distances, kernels
from framescape.frames import MovieDecoder
from framescape.graph import neighbour_graph

REPO = Path(__file__).resolve().parents[1]


def recall(found, truth):
    """Mean share of each row's true neighbours among the found ones."""
    hits = [len(np.intersect1d(a, b)) for a, b in zip(found, truth)]
    return float(np.mean(hits)) / truth.shape[1]


def vectors(frames, metric):
    """What a generic search compares: ``(N, D) float32``."""
    flat = frames.reshape(len(frames), -1, 3)
    if metric == "gray":
        return kernels.bt601_luma(np.ascontiguousarray(flat)).astype(np.float32)
    features = np.empty((len(frames), 4 * flat.shape[1]), np.float32)
    kernels.hls_features(np.ascontiguousarray(flat), features)
    return features


def pynndescent_graph(data, metric, k, seed=0):
    from pynndescent import NNDescent

    index = NNDescent(
        data,
        metric="manhattan" if metric == "gray" else "euclidean",
        n_neighbors=k + 1,
        random_state=seed,
        n_jobs=2,
    )
    indices, _ = index.neighbor_graph
    # Drop each frame itself (normally first; anywhere when it has duplicates).
    return np.array(
        [[j for j in row if j != i][:k] for i, row in enumerate(indices)], np.int64
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fps", type=float, default=4)
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=240)
    parser.add_argument("--k", type=int, default=30)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.fps, args.width, args.height = 0.55, 80, 60
    frames = np.stack(
        list(
            MovieDecoder(
                REPO / "movies" / "demo_year.mp4", args.fps, args.width, args.height
            )
        )
    )
    n = len(frames)
    print(
        f"{n} frames of {args.width}x{args.height} from demo_year.mp4, k = {args.k}; "
        f"{platform.machine()}, psadbw {kernels.PSADBW}"
    )
    print("| metric | method | seconds | recall |")
    print("|---|---|---:|---:|")
    failed = False
    for metric in ("gray", "hsl"):
        neighbour_graph(frames[:40], metric, 5)  # compile
        started = time.perf_counter()
        ours, _, _ = neighbour_graph(frames, metric, args.k)
        ours_seconds = time.perf_counter() - started
        if n <= 2000:
            matrix = distances.compute_distances(frames, metric)
            exact = distances.nearest_frames(matrix, args.k)
            del matrix
            if not np.array_equal(ours, exact):
                print(f"{metric}: the graph differs from the matrix's ranking")
                failed = True
        print(f"| {metric} | framescape (exact) | {ours_seconds:.2f} | 1.000 |")
        data = vectors(frames, metric)
        started = time.perf_counter()
        found = pynndescent_graph(data, metric, args.k)
        seconds = time.perf_counter() - started
        print(f"| {metric} | pynndescent | {seconds:.2f} | {recall(found, ours):.3f} |")
        del data
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
