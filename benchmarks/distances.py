"""Time framescape's distance matrices against the baselines, in one run, on the
same frames, and print a table with ratios.

    python benchmarks/distances.py [--movie PATH] [--frames 365] [--repeat 3]
    python benchmarks/distances.py --quick      # 60 frames, one repeat: seconds

Every timed matrix is also checked against scipy's (gray, exact) and a float64
per-pair reference (hsl, 1e-4): a wrong or missing kernel exits non-zero.

Frames: the demo movie (movies/demo_year.mp4, 365 frames at 1 fps) decoded at
320×240, the prototype's case. Baselines (all on the same luma or RGB):
the prototype's numba ``pdist`` on uint8 (fast, but wraps around: wrong numbers)
and the same on float64 (right numbers); scipy ``cdist(..., "cityblock")``;
scikit-learn ``pairwise_distances(metric="manhattan", n_jobs=-1)``; and the
prototype's per-pair hsl loop on a sample of pairs, extrapolated to all pairs.
Also frame extraction against bare ``ffmpeg -vf fps=…,scale=… -f null -``.
The heading gives the load average at the start (the machine may be shared),
which gray kernel runs on this CPU, and on how many threads and which BLAS
(library, version, the kernel it chose) the hsl Gram matrix runs; hsl is also
timed on as many noisy frames (every pixel random), and its rows give the
slowest of the repeats too.
"""

import argparse
import os
import platform
import subprocess
import tempfile
import time
from pathlib import Path

import numba
import numpy as np
from scipy.spatial.distance import cdist
from sklearn.metrics import pairwise_distances

# Asks for huge pages under the BLAS buffer on import, before any product, as
# every job does before its step.
from common import huge_pages
from framescape.distances import kernels
from framescape.distances import matrices as distances
from framescape.frames.decode import MovieDecoder
from framescape.frames.extract import extract_frames
from framescape.frames.probe import ffmpeg_exe

REPO = Path(__file__).resolve().parents[1]


def best_of(repeat, function, *args):
    """Smallest wall time of ``repeat`` calls (after one warm-up call)."""
    return min(wall_times(repeat, function, *args))


def wall_times(repeat, function, *args):
    """Wall times of ``repeat`` calls, after one warm-up call."""
    function(*args)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - started)
    return times


def prototype_gray(luma):
    """The prototype's gray: numba metric through scipy's pdist."""
    import numba
    from scipy.spatial.distance import pdist, squareform

    @numba.njit()
    def mean_absolute_dist(a, b):
        return np.sum(np.abs(a - b)) / a.shape[0]

    return lambda values: squareform(pdist(values, metric=mean_absolute_dist))


def prototype_hsl_pair_time(frames, pairs=20):
    """Seconds per pair of the prototype's numpy hsl loop (its own definitions)."""

    def parts(v):
        cmax, cmin = v.max(axis=1), v.min(axis=1)
        delta = (cmax - cmin).astype(np.float64)
        x = np.zeros(len(v))
        for channel, (a, b), offset in ((0, (1, 2), 0), (1, (2, 0), 2), (2, (0, 1), 4)):
            where = cmax == v[:, channel]
            x[where] = v[where, a].astype(float) - v[where, b] + offset
        light = (cmax + cmin) / 2.0
        chroma_light = 1 - np.abs(2 * light - 1)
        saturation = np.divide(
            delta, chroma_light, out=np.zeros_like(delta), where=chroma_light != 0
        )
        return x, light, saturation

    flat = frames.reshape(len(frames), -1, 3)
    started = time.perf_counter()
    for index in range(pairs):
        a, b = flat[index % len(flat)], flat[(index * 7 + 1) % len(flat)]
        hue_a, light_a, sat_a = parts(a)
        hue_b, light_b, sat_b = parts(b)
        value = (sat_a - sat_b) ** 2 + (light_a - light_b) ** 2
        value = value + ((hue_a - hue_b) % 6) / 6.0
        np.sum(np.abs(value)) / flat.shape[1]
    return (time.perf_counter() - started) / pairs


def extraction_times(movie, fps, width, height, repeat):
    """(ours, bare ffmpeg) seconds to decode ``movie`` at ``fps``, ``width×height``."""
    bare = [
        ffmpeg_exe(),
        "-nostdin",
        "-v",
        "error",
        "-i",
        str(movie),
        "-vf",
        f"fps={fps},scale={width}:{height}",
        "-f",
        "null",
        "-",
    ]

    def run_bare():
        subprocess.run(bare, check=True)

    def run_ours():
        with tempfile.TemporaryDirectory() as folder:
            folder = Path(folder)
            extract_frames(
                movie,
                folder / "frames",
                folder / "frames.npy",
                folder / "frames.tsv",
                fps=fps,
                width=width,
                height=height,
                threads=os.cpu_count(),
            )

    return best_of(repeat, run_ours), best_of(repeat, run_bare)


def portable_sad(luma):
    """All pairs' sums of absolute differences by the plain int32 kernel (the one
    CPUs without ``psadbw`` use), mirrored: ``(N, N) int64``."""
    luma = np.ascontiguousarray(luma)
    return kernels.mirror_upper(kernels.sad_tile_portable(luma, luma, True))


def hsl_reference(frames, pairs):
    """The hsl distance of each ``(a, b)`` in ``pairs`` from Python's
    ``colorsys.rgb_to_hls``, in float64 (docs/metrics.md)."""
    import colorsys

    def features(frame):
        pixels = frame.reshape(-1, 3) / 255.0
        return np.array([colorsys.rgb_to_hls(*pixel) for pixel in pixels]).T

    cache = {}
    values = []
    for a, b in pairs:
        for index in (a, b):
            if index not in cache:
                cache[index] = features(frames[index])
        (hue_a, light_a, sat_a), (hue_b, light_b, sat_b) = cache[a], cache[b]
        term = (sat_a - sat_b) ** 2 + (light_a - light_b) ** 2
        values.append(np.mean(term + np.sin(np.pi * (hue_a - hue_b)) ** 2))
    return np.array(values)


def check(name, ok, detail):
    """Stop with a non-zero exit when a result is wrong."""
    if not ok:
        raise SystemExit(f"benchmarks/distances.py: {name} is wrong: {detail}")


def check_results(frames, luma):
    """Our matrices against independent references, before anything is timed."""
    n, p = luma.shape
    gray = distances.gray_distances(frames)
    reference = cdist(luma.astype(np.float64), luma.astype(np.float64), "cityblock")
    error = np.abs(gray - reference / p).max()
    check("gray", gray.shape == (n, n) and error < 1e-4, f"max error {error:g}")
    sad = kernels.pairwise_sad(luma)
    check("the psadbw kernel", np.array_equal(sad, reference), "not scipy's sums")
    check("the portable kernel", np.array_equal(portable_sad(luma), sad), "differs")
    hsl = distances.hsl_distances(frames)
    pairs = [(0, n - 1), (0, n // 2), (n // 3, n - 2)]
    expected = hsl_reference(frames, pairs)
    error = np.abs(np.array([hsl[a, b] for a, b in pairs]) - expected).max()
    check("hsl", hsl.shape == (n, n) and error < 1e-4, f"max error {error:g}")


def row(name, seconds, ours=None, note=""):
    """A table row; for a baseline, how many times slower it is than ``ours``."""
    ratio = f"{seconds / ours:8.1f}×" if ours else " " * 9
    return f"| {name:<52} | {seconds:9.3f} | {ratio} | {note}"


def gray_kernel():
    """Which sums of absolute differences distances.gray_distances runs."""
    if kernels.PSADBW:
        return f"psadbw, {kernels.PSADBW[1]} bytes an instruction"
    return "the portable int32 kernel (no psadbw on this CPU)"


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--movie", default=REPO / "movies" / "demo_year.mp4")
    parser.add_argument("--fps", type=float, default=1.0)
    parser.add_argument("--frames", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--extract-movie",
        default=None,
        help="movie for the extraction timing (default: --movie)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="60 frames, one repeat: that every kernel runs and is right",
    )
    args = parser.parse_args()
    if args.quick:
        args.frames, args.repeat = 60, 1
    return args


def read_frames(args):
    """The first ``args.frames`` frames of ``args.movie`` at 320×240:
    ``(frames, luma)``, ``(N, 240, 320, 3) uint8`` and ``(N, 76800) uint8``;
    the machine and the frames printed as the table's heading."""
    frames = np.stack(
        [
            frame
            for _, frame in zip(
                range(args.frames), MovieDecoder(args.movie, args.fps, 320, 240)
            )
        ]
    )
    n = len(frames)
    luma = kernels.bt601_luma(frames.reshape(n, -1, 3))
    print(
        f"{n} frames of 320x240 from {Path(args.movie).name}; "
        f"{platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; "
        f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}"
    )
    print(f"gray kernel: {gray_kernel()}")
    print(f"hsl: {hsl_threads()}; BLAS {blas_description()}")
    return frames, luma


def time_gray(frames, luma, repeat):
    """The gray matrix's rows: ours, the portable kernel and the baselines."""
    ours_gray = best_of(repeat, distances.gray_distances, frames)
    portable = best_of(repeat, portable_sad, luma)
    cityblock = best_of(
        1, cdist, luma.astype(np.float64), luma.astype(np.float64), "cityblock"
    )
    manhattan = best_of(
        1,
        lambda x: pairwise_distances(x, metric="manhattan", n_jobs=-1),
        luma.astype(np.float64),
    )
    proto = prototype_gray(luma)
    proto_uint8 = best_of(1, proto, luma)
    proto_float = best_of(1, proto, luma.astype(np.float64))
    print(row("gray: ours (luma + psadbw kernel)", ours_gray))
    print(
        row("gray: ours, portable int32 kernel (SAD only)", portable, note="other CPUs")
    )
    print(row("gray: scipy cdist cityblock (float64)", cityblock, ours_gray))
    print(row("gray: sklearn manhattan, n_jobs=-1", manhattan, ours_gray))
    print(row("gray: prototype pdist + numba, uint8 (wrong)", proto_uint8, ours_gray))
    print(row("gray: prototype pdist + numba, float64", proto_float, ours_gray))


def hsl_threads():
    """How distances.hsl_distances shares out its work."""
    return (
        f"features and Gram products on {numba.get_num_threads()} threads, "
        "one BLAS thread each"
    )


def blas_description():
    """The BLAS libraries loaded (numpy's Gram matrices run on numpy's), as
    threadpoolctl sees them: library, version, the package that ships it, the
    kernel it chose for this CPU and its own threads (the hsl matrix keeps it
    to one a call)."""
    from threadpoolctl import threadpool_info

    np.ones((2, 2), np.float32) @ np.ones((2, 2), np.float32)  # loads it
    found = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    return (
        "; ".join(
            f"{pool['internal_api']} {pool.get('version')} "
            f"({Path(pool['filepath']).parent.name}), kernel "
            f"{pool.get('architecture')}, {pool['num_threads']} threads of its own"
            for pool in found
        )
        or "none found"
    )


def noisy_frames(like, seed=0):
    """Frames of the same shape whose every pixel is random: no two alike,
    nothing for a cache or a compressed colour range to help with."""
    return np.random.default_rng(seed).integers(0, 256, like.shape, np.uint8)


def time_hsl(frames, repeat):
    """The hsl matrix's rows: ours on the movie's frames and on noisy ones,
    and the prototype's loop, extrapolated."""
    n = len(frames)
    ours = wall_times(repeat, distances.hsl_distances, frames)
    noisy = wall_times(repeat, distances.hsl_distances, noisy_frames(frames))
    ours_hsl = min(ours)
    per_pair = prototype_hsl_pair_time(frames)
    pairs = n * (n - 1) // 2
    slowest = f"slowest of {repeat}: {{:.3f}} s"
    print(
        row(
            "hsl: ours (features + Gram, colour conversion incl.)",
            ours_hsl,
            note=slowest.format(max(ours)),
        )
    )
    print(
        row(
            "hsl: ours, on as many noisy frames",
            min(noisy),
            note=slowest.format(max(noisy)),
        )
    )
    print(
        row(
            "hsl: prototype per-pair loop (20 pairs, extrapolated)",
            per_pair * pairs,
            ours_hsl,
            f"{per_pair * 1e3:.0f} ms a pair × {pairs} pairs",
        )
    )


def hsl_floor(frames, repeat):
    """The least time hsl's matrix can take on this machine, from the one-thread
    speed of its two parts on one pixel block (the Gram products, as
    distances/gram.py splits them into squares, and the features), times the
    blocks, spread evenly over the threads: a CPU whose floor is above the 0.5 s
    aim cannot reach it however the work is shared out."""
    from threadpoolctl import threadpool_limits

    from framescape.distances.gram import gram_squares
    from framescape.distances.parameters import GRAM_TILE, hsl_block_pixels

    n, pixels = len(frames), frames.shape[1] * frames.shape[2]
    block = hsl_block_pixels(n, pixels)
    # Whole blocks' worth (the last block is short).
    blocks = pixels / block
    rgb = np.ascontiguousarray(frames.reshape(n, pixels, 3)[:, :block])
    features = np.empty((n, 4 * block), np.float32)
    squares = gram_squares(n, n, GRAM_TILE, True)

    def products():
        for rows, columns in squares:
            features[rows] @ features[columns].T

    # The features first: the products then multiply real numbers.
    convert = best_of(repeat, kernels.hls_features_serial, rgb, features)
    with threadpool_limits(limits=1, user_api="blas"):
        product = best_of(repeat, products)
    # Useful flops: a square on the diagonal is a symmetric product (syrk).
    flops = 0
    for rows, columns in squares:
        r, c = len(range(n)[rows]), len(range(n)[columns])
        flops += (r * (r + 1) if rows == columns else 2 * r * c) * 4 * block
    threads = numba.get_num_threads()
    least = blocks * (product + convert) / threads
    print(
        f"hsl's floor here: {blocks:.2f} pixel blocks' worth, each {flops / 1e9:.2f} GFLOP of "
        f"products at {flops / product / 1e9:.1f} GFLOP/s on one BLAS thread "
        f"({product * 1e3:.1f} ms) and {convert * 1e3:.1f} ms of features: "
        f"{blocks * (product + convert):.3f} CPU s, at least {least:.3f} s on "
        f"{threads} threads"
    )


def time_extraction(args):
    """Our extraction against bare ffmpeg's decoding, on one line."""
    movie = args.extract_movie or args.movie
    ours, bare = extraction_times(movie, args.fps, 320, 240, args.repeat)
    print(
        f"extraction of {Path(movie).name} at {args.fps:g} fps, 320x240: ours "
        f"{ours:.2f} s (PNGs + frames.npy), bare ffmpeg decode {bare:.2f} s: "
        f"{ours / bare:.2f}× bare"
    )


def main():
    args = parse_arguments()
    frames, luma = read_frames(args)
    check_results(frames, luma)
    print("| what | seconds | slower than ours | note")
    print("|---|---:|---:|---")
    time_gray(frames, luma, args.repeat)
    time_hsl(frames, args.repeat)
    print()
    time_extraction(args)
    hsl_floor(frames, args.repeat)
    pages = huge_pages()
    if pages:
        print(pages)


if __name__ == "__main__":
    main()
