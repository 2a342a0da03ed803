"""t-SNE from a neighbour graph: scikit-learn against openTSNE, on the same graph.

    python benchmarks/tsne.py                 # 50,000 points, 1000 iterations
    python benchmarks/tsne.py --points 20000
    python benchmarks/tsne.py --quick         # 1,000 points, 300 iterations

The points are a synthetic long movie (no real movie of 50,000 frames ships with
the tests): shots of a smooth random walk around one of a few dozen places, places
coming back in later shots, and a slow day-night cycle over the whole movie. Each
point's k = 3 x perplexity + 1 nearest points (exact, scikit-learn's
NearestNeighbors, itself excluded) make the graph; each method reads what it
needs of it: scikit-learn 3 x perplexity + 1 neighbours (sparse precomputed
input, Barnes-Hut gradients), openTSNE 3 x perplexity (FFT-interpolated
gradients). Both: perplexity 30, early exaggeration 12 for 250 iterations, 1000
iterations in all, learning rate "auto", random start, 2 threads.

Each method runs in a child process of its own, started while this process is
still small (Linux keeps a parent's peak in a child's ru_maxrss across exec), so
that its peak resident memory (ru_maxrss, native allocations included) is its
own; the child's peak before the fit (Python, the libraries, the graph) is
printed beside it. Trustworthiness (scikit-learn, 10 neighbours) compares the
map of 5,000 random points with their input vectors. Unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE
for this command only.
"""

import argparse
import itertools
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

METHODS = ("scikit-learn", "openTSNE")
THREADS = 2


def movie_vectors(n_points, dims=12, places=40, seed=0):
    """A long movie's frames as ``(n_points, dims) float32`` vectors: shots of
    about 400 frames, each a smooth random walk around one of ``places`` places
    (a place comes back in several shots), plus a day-night cycle of 2,000
    frames on two of the axes."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 6, (places, dims))
    cuts = np.cumsum(rng.geometric(1 / 400, size=n_points))
    cuts = np.concatenate([[0], cuts[cuts < n_points], [n_points]])
    vectors = np.empty((n_points, dims))
    for start, stop in itertools.pairwise(cuts):
        walk = np.cumsum(rng.normal(0, 0.08, (stop - start, dims)), axis=0)
        vectors[start:stop] = centres[rng.integers(places)] + walk
    angle = 2 * np.pi * np.arange(n_points) / 2000
    vectors[:, :2] += 3 * np.c_[np.cos(angle), np.sin(angle)]
    vectors += rng.normal(0, 0.05, vectors.shape)
    return vectors.astype(np.float32)


def exact_graph(vectors, k):
    """Each point's ``k`` nearest points, itself excluded, nearest first:
    ``(N, k) int32`` and ``(N, k) float32``, as framescape's graph stores them."""
    from sklearn.neighbors import NearestNeighbors

    search = NearestNeighbors(n_neighbors=k, n_jobs=THREADS).fit(vectors)
    distances, indices = search.kneighbors()
    return indices.astype(np.int32), distances.astype(np.float32)


def sklearn_graph(indices, distances, random_state, threads, **params):
    """scikit-learn's Barnes-Hut t-SNE from the graph as a sparse precomputed
    matrix, each point its own first neighbour: with the matrix's neighbours,
    the dense path's coordinates bit for bit (framescape's graph path before
    openTSNE)."""
    from scipy.sparse import csr_matrix

    from framescape.embed.neighbours import tsne_model, with_each_frame_first

    n = len(indices)
    model = tsne_model(n, random_state, threads, **params)
    wanted = min(n - 1, int(3.0 * model.perplexity + 1))
    columns, values = with_each_frame_first(indices, distances, wanted, "t-SNE")
    graph = csr_matrix(
        (values.ravel(), columns.ravel(), np.arange(0, columns.size + 1, wanted + 1)),
        shape=(n, n),
    )
    return model.fit_transform(graph)


def child(method, folder, params):
    """In a child process: make the graph (``method`` "graph") or run one
    method on it; print its time and memory as JSON."""
    from threadpoolctl import threadpool_limits

    folder = Path(folder)
    if method == "graph":
        vectors = movie_vectors(params["points"])
        started = time.perf_counter()
        indices, distances = exact_graph(vectors, params["k"])
        seconds = time.perf_counter() - started
        np.save(folder / "vectors.npy", vectors)
        np.savez(folder / "graph.npz", indices=indices, distances=distances)
        print(json.dumps({"seconds": seconds}))
        return
    from framescape.embed.neighbours import embed_tsne_graph

    with np.load(folder / "graph.npz") as graph:
        indices, distances = graph["indices"], graph["distances"]
    embedder = embed_tsne_graph if method == "openTSNE" else sklearn_graph
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with threadpool_limits(limits=THREADS, user_api="openmp"):
        coordinates = embedder(indices, distances, 0, THREADS, **params)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    np.save(folder / f"{method}.npy", coordinates)
    print(json.dumps({"seconds": seconds, "before_kib": before, "peak_kib": peak}))


def run_child(method, folder, params):
    environment = dict(os.environ, OMP_NUM_THREADS=str(THREADS))
    result = subprocess.run(
        [sys.executable, __file__, "--child", method, str(folder)]
        + ["--params", json.dumps(params)],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"{method} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=50_000)
    parser.add_argument("--perplexity", type=float, default=30.0)
    parser.add_argument("--max-iter", type=int, default=1000)
    parser.add_argument("--sample", type=int, default=5000)
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=METHODS)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("METHOD", "FOLDER"))
    parser.add_argument("--params", type=json.loads)
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.params)
        return
    if args.quick:
        args.points, args.sample, args.max_iter = 1000, 500, 300
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{THREADS} threads a method; {args.points:,} points, perplexity "
        f"{args.perplexity:g}, {args.max_iter} iterations",
        flush=True,
    )
    k = int(3 * args.perplexity + 1)
    params = {
        "perplexity": args.perplexity,
        "early_exaggeration": 12.0,
        "learning_rate": "auto",
        "max_iter": args.max_iter,
    }
    with tempfile.TemporaryDirectory() as folder:
        made = run_child("graph", folder, {"points": args.points, "k": k})
        print(f"exact graph of {k} neighbours: {made['seconds']:.1f} s", flush=True)
        figures = {}
        for method in args.methods:
            figures[method] = run_child(method, folder, params)
            print(f"{method}: {figures[method]['seconds']:.1f} s", flush=True)
        # Only now, with every child done, does this process grow.
        from sklearn.manifold import trustworthiness

        vectors = np.load(Path(folder) / "vectors.npy")
        sample = np.sort(
            np.random.default_rng(1).choice(args.points, args.sample, replace=False)
        )
        print(
            f"{'method':<14}{'time s':>9}{'peak MiB':>10}{'before MiB':>12}"
            f"{'fit MiB':>9}{'trustworthiness':>17}"
        )
        for method in args.methods:
            coordinates = np.load(Path(folder) / f"{method}.npy")
            if (
                coordinates.shape != (args.points, 2)
                or not np.isfinite(coordinates).all()
            ):
                sys.exit(f"{method}: not a finite ({args.points}, 2) map")
            trust = trustworthiness(
                vectors[sample], coordinates[sample], n_neighbors=10
            )
            peak = figures[method]["peak_kib"] / 1024
            before = figures[method]["before_kib"] / 1024
            print(
                f"{method:<14}{figures[method]['seconds']:>9.1f}{peak:>10.0f}"
                f"{before:>12.0f}{peak - before:>9.0f}{trust:>17.4f}"
            )


if __name__ == "__main__":
    main()
