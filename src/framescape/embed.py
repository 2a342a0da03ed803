"""2-D embeddings of a precomputed distance matrix: MDS, t-SNE, UMAP.

Each method takes its parameters explicitly and a ``random_state``: the same
matrix and parameters give the same coordinates, to the last bit, whatever the
number of threads (BLAS runs on one thread here: a multi-threaded BLAS splits sums
differently by thread count, which moved MDS coordinates by ~1e-13). Tiny or degenerate movies (1–3
frames, all frames identical) get exact, finite layouts instead of failing.
"""

import sys
import time
import warnings

import numba
import numpy as np
from numba.core.caching import NullCache
from numba.core.dispatcher import Dispatcher
from scipy.sparse.linalg import eigsh
from sklearn.manifold import TSNE  # loads scipy's BLAS before it is limited
from threadpoolctl import threadpool_limits

from framescape import kernels
from framescape.common import (
    METHOD_LABELS,
    FramescapeError,
    Progress,
    log,
    npy_shape,
    save_npy,
)
from framescape.distances import distances_to, load_movie_frames
from framescape.neighbours import resolve_n_neighbors
from framescape.resources import LANDMARKS

METHODS = ("mds", "tsne", "umap")
# Points up to which classical MDS decomposes the whole matrix (about 1 s).
DENSE_EIGEN_LIMIT = 2000
# t-SNE's iterations with exaggerated attraction, as scikit-learn and openTSNE do.
EARLY_EXAGGERATION_ITER = 250
# Points from which t-SNE on the graph interpolates its gradients by FFT instead
# of Barnes-Hut (openTSNE's own choice).
TSNE_FFT_POINTS = 10_000
# Points × iterations between two of openTSNE's progress callbacks: about 1 s on
# the 2-core AVX-512 Xeon (50,000 points: every 10 iterations).
PROGRESS_POINT_ITERATIONS = 500_000


def classical_mds(distances):
    """Classical (Torgerson) MDS: ``(N, 2)`` coordinates from an ``(N, N)`` matrix.

    The double-centred squared distances' two largest eigenpairs: all of them
    from LAPACK up to :data:`DENSE_EIGEN_LIMIT` points, only those two (Lanczos,
    ARPACK, from a fixed start vector) beyond, where a full decomposition would
    take minutes. Exact for up to three points; zeros where the matrix has no
    spread; signs fixed so that reruns agree.
    """
    inner = double_centred(np.square(np.asarray(distances, np.float64)))
    inner = (inner + inner.T) / 2
    n = len(inner)
    if n <= DENSE_EIGEN_LIMIT:
        values, vectors = np.linalg.eigh(inner)
    else:
        values, vectors = eigsh(inner, k=2, which="LA", v0=np.ones(n), tol=0)
    order = np.argsort(values)[::-1][:2]
    coordinates = vectors[:, order] * np.sqrt(np.clip(values[order], 0.0, None))
    return oriented(coordinates)


def double_centred(squares):
    """``−½ J S J`` of squared distances ``S`` (``J`` removes the means): the
    inner products classical MDS decomposes."""
    inner = squares - squares.mean(axis=0)[None, :]
    inner -= inner.mean(axis=1)[:, None]
    inner *= -0.5
    return inner


def oriented(coordinates, reference=slice(None)):
    """``coordinates`` as two columns (zeros added), each axis's sign fixed so
    that its largest absolute value among the ``reference`` rows is positive:
    reruns agree."""
    if coordinates.shape[1] < 2:
        coordinates = np.pad(coordinates, ((0, 0), (0, 2 - coordinates.shape[1])))
    rows = coordinates[reference]
    signs = np.sign(rows[np.argmax(np.abs(rows), axis=0), [0, 1]])
    return coordinates * np.where(signs == 0, 1.0, signs)


def even_landmarks(n_frames, count):
    """``count`` landmark frames spread evenly over a movie of ``n_frames``
    frames, first and last included: ``(L,) intp``, increasing, no repeats."""
    count = max(1, min(count, n_frames))
    return np.unique(np.linspace(0, n_frames - 1, count).round().astype(np.intp))


def landmark_mds(landmark_distances, landmarks):
    """Landmark MDS: classical MDS of ``L`` landmark frames, and every frame placed
    from its distances to them (de Silva and Tenenbaum, "Sparse multidimensional
    scaling using landmark points", 2004): ``O(L × N)`` distances and memory
    instead of ``N × N``. With every frame a landmark it is classical MDS.

    Parameters
    ----------
    landmark_distances : (L, N) array
        Distances from each landmark frame to every frame.
    landmarks : (L,) int
        The landmarks' frame numbers (columns of ``landmark_distances``).

    Returns
    -------
    (N, 2) float64
        Signs fixed as :func:`classical_mds` fixes them, from the landmarks.
    """
    squares = np.square(np.asarray(landmark_distances, np.float64))
    among = squares[:, landmarks]
    among = (among + among.T) / 2
    values, vectors = np.linalg.eigh(double_centred(among))
    order = np.argsort(values)[::-1][:2]
    values, vectors = values[order], vectors[:, order]
    kept = values > values.max(initial=0.0) * 1e-12
    pseudo_inverse = np.zeros_like(vectors)
    pseudo_inverse[:, kept] = vectors[:, kept] / np.sqrt(values[kept])
    coordinates = -0.5 * (squares - among.mean(axis=1)[:, None]).T @ pseudo_inverse
    return oriented(coordinates, landmarks)


def smacof(dissimilarities, init, max_iter=300, eps=1e-6):
    """Metric SMACOF from ``init``: scikit-learn's ``smacof`` algorithm (Guttman
    transform, unit weights, the same stopping rule), one pass over the matrix
    an iteration in :func:`kernels.guttman_pass`, O(N) memory besides it.

    Returns
    -------
    coordinates : (N, 2) float64
    stress : float
        Raw stress, ``Σ (d − δ)² / 2`` over ordered pairs.
    iterations : int
        Guttman transforms applied.
    """
    x = np.array(init, np.float64)
    updated = np.empty_like(x)
    old_stress = None
    for iteration in range(max_iter + 1):
        stress, squares = kernels.guttman_pass(dissimilarities, x, updated)
        if old_stress is not None and (old_stress - stress) / squares < eps:
            break
        if iteration == max_iter:
            break
        if iteration >= 1:
            old_stress = stress
        x, updated = updated, x
    return x, stress, iteration


def clamp(name, value, low, high, n_frames):
    """``value`` clamped to [low, high], with a logged warning when it changes."""
    clamped = min(max(value, low), high)
    if clamped != value:
        log.warning(
            "%s=%s does not fit a movie of %d frames: using %s",
            name,
            value,
            n_frames,
            clamped,
        )
    return clamped


def embed_mds(
    distances,
    random_state,
    threads=1,
    init="classical_mds",
    n_init=1,
    max_iter=300,
    eps=1e-6,
    algorithm="smacof",
):
    """Metric MDS: SMACOF (:func:`smacof`) from classical MDS or from ``n_init``
    random starts (the lowest stress wins); ``algorithm="classical"`` returns
    the classical MDS solution itself (exact, one eigendecomposition)."""
    start = classical_mds(distances)
    if algorithm == "classical":
        return start
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    if init == "classical_mds":
        starts = [start]
    else:
        draws = np.random.RandomState(random_state)
        starts = [draws.uniform(size=(len(distances), 2)) for _ in range(n_init)]
    best = None
    for index, first in enumerate(starts):
        coordinates, stress, iterations = smacof(distances, first, max_iter, eps)
        log.info(
            "SMACOF start %d: stress %.6g after %d iterations",
            index + 1,
            stress,
            iterations,
        )
        if best is None or stress < best[1]:
            best = coordinates, stress
    return best[0]


def nearest_of_graph(indices, distances, wanted, method):
    """A neighbour graph's first ``wanted`` neighbours of each frame: ``(N,
    wanted)`` indices and distances; a ValueError when it has fewer."""
    if indices.shape[1] < wanted:
        raise ValueError(
            f"the graph has {indices.shape[1]} neighbours a frame, "
            f"{method} needs {wanted}"
        )
    return indices[:, :wanted], distances[:, :wanted]


def with_each_frame_first(indices, distances, wanted, method):
    """A neighbour graph's first ``wanted`` neighbours of each frame, the frame
    itself put before them at distance 0 (as umap-learn and scikit-learn count
    neighbours): ``(N, wanted + 1)`` indices and float64 distances."""
    indices, distances = nearest_of_graph(indices, distances, wanted, method)
    n = len(indices)
    frames = np.arange(n)[:, None]
    return (
        np.hstack([frames, indices]),
        np.hstack([np.zeros((n, 1)), distances]),
    )


def tsne_model(
    n_frames,
    random_state,
    threads,
    perplexity,
    early_exaggeration,
    learning_rate,
    max_iter,
):
    """scikit-learn's TSNE on precomputed distances, with our parameters."""
    n = n_frames
    return TSNE(
        n_components=2,
        metric="precomputed",
        init="random",  # "pca" needs features, not a distance matrix
        perplexity=clamp("tsne.perplexity", float(perplexity), 1.0, (n - 1) / 3, n),
        early_exaggeration=early_exaggeration,
        learning_rate=learning_rate,
        max_iter=max_iter,
        n_jobs=threads,
        random_state=random_state,
    )


def embed_tsne(
    distances,
    random_state,
    threads=1,
    perplexity=30.0,
    early_exaggeration=12.0,
    learning_rate="auto",
    max_iter=1000,
):
    model = tsne_model(
        len(distances),
        random_state,
        threads,
        perplexity,
        early_exaggeration,
        learning_rate,
        max_iter,
    )
    return model.fit_transform(distances.astype(np.float64))


class TsneProgress:
    """openTSNE's callback: a progress line (:class:`Progress`) from the
    iteration it reports, counted over both phases (``phase_starts``: the
    iterations done before each phase begins)."""

    def __init__(self, phase_starts, total):
        self.phase_starts, self.total = list(phase_starts), total
        self.offset = 0
        self.progress = Progress("t-SNE")

    def optimization_about_to_start(self):
        self.offset = self.phase_starts.pop(0)

    def __call__(self, iteration, error, embedding):
        self.progress(self.offset + iteration, self.total, "iterations")


def embed_tsne_graph(
    indices,
    distances,
    random_state,
    threads=1,
    perplexity=30.0,
    early_exaggeration=12.0,
    learning_rate="auto",
    max_iter=1000,
):
    """t-SNE from the neighbour graph (:mod:`framescape.graph`)
    with openTSNE: each frame's ``3 × perplexity`` nearest frames give the
    affinities; gradients by Barnes-Hut below :data:`TSNE_FFT_POINTS` frames,
    by FFT interpolation (Linderman et al. 2019) from there on. The same
    coordinates, to the last bit, whatever ``threads``.

    ``max_iter`` counts all iterations, the first
    :data:`EARLY_EXAGGERATION_ITER` (or all, if fewer) with the attraction
    multiplied by ``early_exaggeration``, as in scikit-learn. ``learning_rate``:
    ``"auto"`` is N / ``early_exaggeration`` in both phases (Belkina et al.
    2019); a number is scikit-learn's (openTSNE's gradient is a quarter of
    scikit-learn's, so it takes 4 × the number): the steps scikit-learn takes
    on the dense path (its "auto" is N / early_exaggeration / 4). Momentum 0.8
    throughout and a start from N(0, 1e-4²) draws of ``random_state``, as
    openTSNE does. A progress line at most every 10 s.

    Parameters
    ----------
    indices : (N, k) int
        Each frame's nearest frames, itself excluded, nearest first;
        ``k ≥ 3 × perplexity`` (perplexity after clamping below N / 3).
    distances : (N, k) float
        Their distances.

    Returns
    -------
    (N, 2) float64
    """
    from openTSNE import TSNE as OpenTSNE
    from openTSNE.affinity import PerplexityBasedNN
    from openTSNE.initialization import random as random_start
    from openTSNE.nearest_neighbors import PrecomputedNeighbors

    n = len(indices)
    perplexity = clamp("tsne.perplexity", float(perplexity), 1.0, (n - 1) / 3, n)
    nearest, near = nearest_of_graph(
        indices, distances, min(n - 1, int(3 * perplexity)), "t-SNE"
    )
    affinities = PerplexityBasedNN(
        perplexity=perplexity,
        knn_index=PrecomputedNeighbors(
            np.ascontiguousarray(nearest, np.int64),
            np.ascontiguousarray(near, np.float64),
        ),
        n_jobs=threads,
    )
    early = min(EARLY_EXAGGERATION_ITER, max_iter)
    model = OpenTSNE(
        n_components=2,
        early_exaggeration=early_exaggeration,
        early_exaggeration_iter=early,
        n_iter=max_iter - early,
        learning_rate=(
            n / early_exaggeration if learning_rate == "auto" else 4 * learning_rate
        ),
        negative_gradient_method="fft" if n >= TSNE_FFT_POINTS else "bh",
        n_jobs=threads,
        callbacks=TsneProgress([0, early], max_iter),
        # Each callback makes openTSNE compute the KL divergence, half an
        # iteration's work: about one a second, not one every iteration.
        callbacks_every_iters=max(1, min(50, PROGRESS_POINT_ITERATIONS // n)),
    )
    start = random_start(n, 2, random_state=random_state)
    return np.array(model.fit(affinities=affinities, initialization=start), np.float64)


def cache_compiled_functions(packages):
    """Let numba keep the compiled code of ``packages``' functions on disk, as it
    does for ours (``cache=True``).

    umap-learn and pynndescent compile most of their numba functions again in
    every new process: 15–20 s of each umap job for a few hundred frames, against
    0.6 s once cached (measured on the demo). The compiled code is the same, only
    kept; it goes to the package's ``__pycache__`` (or numba's user cache folder).
    """
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".")[0] not in packages:
            continue
        for value in list(vars(module).values()):
            if isinstance(value, Dispatcher) and isinstance(value._cache, NullCache):
                value.enable_caching()


def umap_model(
    n_frames,
    random_state,
    threads,
    n_neighbors,
    min_dist,
    spread,
    n_epochs,
    init,
    **graph,
):
    """umap-learn's UMAP with our parameters; ``graph`` may hold ``metric`` or
    ``precomputed_knn``."""
    from umap import UMAP

    cache_compiled_functions(("umap", "pynndescent"))
    n = n_frames
    return UMAP(
        n_components=2,
        n_neighbors=clamp("umap.n_neighbors", int(n_neighbors), 2, n - 1, n),
        min_dist=min_dist,
        spread=spread,
        n_epochs=n_epochs,
        # Spectral init needs a few more points than neighbours.
        init=init if n > 10 else "random",
        random_state=random_state,
        n_jobs=threads,
        **graph,
    )


def umap_start(coordinates):
    """MDS coordinates as UMAP's start (``init: mds``): float32, the largest
    coordinate 10, as umap-learn scales its spectral start."""
    coordinates = np.asarray(coordinates, np.float64)
    largest = np.abs(coordinates).max()
    scale = 10.0 / largest if largest > 0 else 1.0
    return (coordinates * scale).astype(np.float32)


def fit_umap(model, data):
    with warnings.catch_warnings():
        # A fixed random_state makes UMAP single-threaded, as wanted.
        warnings.filterwarnings("ignore", message="n_jobs value .* overridden")
        warnings.filterwarnings("ignore", message="using precomputed metric")
        # Neighbours given, nothing to search: no search index wanted.
        warnings.filterwarnings("ignore", message=r"precomputed_knn\[2\]")
        return model.fit_transform(data)


def embed_umap(
    distances,
    random_state,
    threads=1,
    n_neighbors=15,
    min_dist=0.1,
    spread=1.0,
    n_epochs=None,
    init="spectral",
):
    if init == "mds":
        init = umap_start(classical_mds(distances))
    model = umap_model(
        len(distances),
        random_state,
        threads,
        n_neighbors,
        min_dist,
        spread,
        n_epochs,
        init,
        metric="precomputed",
    )
    return fit_umap(model, distances.astype(np.float32))


def embed_umap_graph(
    indices,
    distances,
    random_state,
    threads=1,
    n_neighbors=15,
    min_dist=0.1,
    spread=1.0,
    n_epochs=None,
    init="spectral",
):
    """UMAP from the neighbour graph (:mod:`framescape.graph`)
    instead of the distance matrix: umap-learn's ``precomputed_knn``. With the
    same neighbours as the matrix gives, the same coordinates as
    :func:`embed_umap`, bit for bit (umap counts each frame as its own first
    neighbour, which is added here).

    Parameters
    ----------
    indices : (N, k) int
        Each frame's nearest frames, itself excluded; ``k ≥ n_neighbors − 1``.
    distances : (N, k) float
        Their distances.

    Returns
    -------
    (N, 2) float64
    """
    n = len(indices)
    if isinstance(init, str) and init == "mds":
        raise ValueError("init 'mds' on the graph path: pass the MDS coordinates")
    model = umap_model(
        n, random_state, threads, n_neighbors, min_dist, spread, n_epochs, init
    )
    knn_indices, knn_distances = with_each_frame_first(
        indices, distances, model.n_neighbors - 1, "umap"
    )
    model.precomputed_knn = (
        knn_indices.astype(np.int64),
        knn_distances.astype(np.float32),
    )
    return np.asarray(fit_umap(model, np.zeros((n, 1), np.float32)), np.float64)


EMBEDDERS = {"mds": embed_mds, "tsne": embed_tsne, "umap": embed_umap}


def embed(distances, method, random_state=0, threads=1, **params):
    """Lay out frames in 2-D from their distance matrix.

    Parameters
    ----------
    distances : (N, N) array
        Symmetric, zero diagonal.
    method : {"mds", "tsne", "umap"}
    random_state : int
    threads : int
    **params
        The method's own parameters (config ``mds:``, ``tsne:``, ``umap:``).

    Returns
    -------
    (N, 2) float64
        Finite coordinates, in the method's own units.
    """
    if method not in EMBEDDERS:
        raise ValueError(
            f"unknown method '{method}' (choose from {', '.join(METHODS)})"
        )
    distances = np.asarray(distances)
    n = len(distances)
    if distances.shape != (n, n) or n == 0:
        raise ValueError(
            f"distance matrix must be square and non-empty, got {distances.shape}"
        )
    with threadpool_limits(limits=1, user_api="blas"):
        if n <= 3 or not distances.any():
            # Too few points (or one repeated frame) for neighbour-based methods;
            # classical MDS lays them out exactly.
            log.warning(
                "%d frames, max distance %.3g: exact classical MDS layout",
                n,
                distances.max(),
            )
            return classical_mds(distances)
        coordinates = EMBEDDERS[method](distances, random_state, threads, **params)
    return finite(coordinates, method, params)


def finite(coordinates, method, params):
    """``coordinates`` as float64, or the error saying which settings to change:
    never another method's map under this one's name."""
    if not np.isfinite(coordinates).all():
        raise FramescapeError(
            f"{METHOD_LABELS[method]} gave non-finite coordinates for "
            f"{len(coordinates)} frames with {params}: change the {method}: settings "
            f"in config.yaml, or leave {method} out of methods"
        )
    return np.asarray(coordinates, np.float64)


def landmark_layout(n, rows):
    """Landmark MDS of ``n`` frames from ``rows`` (see :func:`embed_graph`);
    classical MDS of all of them for at most three."""
    landmarks = even_landmarks(n, n if n <= 3 else LANDMARKS)
    # Before BLAS is limited: hsl's Gram products use every thread.
    landmark_rows = rows(landmarks)
    with threadpool_limits(limits=1, user_api="blas"):
        return landmark_mds(landmark_rows, landmarks)


def embed_graph(n, method, random_state=0, threads=1, graph=None, rows=None, **params):
    """Lay out frames in 2-D without their distance matrix (the long-movie path).

    Parameters
    ----------
    n : int
        Frames of the movie.
    method : {"mds", "tsne", "umap"}
    random_state, threads
    graph : (indices, distances), each (N, k)
        t-SNE and UMAP: each frame's nearest frames and their distances
        (:mod:`framescape.graph`).
    rows : callable
        ``rows(frames)``: distances ``(L, N)`` from those frames to every frame
        (:func:`framescape.distances.distances_to`). MDS places every frame from
        :data:`framescape.resources.LANDMARKS` landmarks, and movies of at most
        three frames are laid out by classical MDS, as on the dense path; UMAP
        with ``init="mds"`` starts from that layout.
    **params
        The method's own parameters; ``mds:`` settings do not apply (landmark
        MDS is classical MDS).

    Returns
    -------
    (N, 2) float64
    """
    if method not in EMBEDDERS:
        raise ValueError(
            f"unknown method '{method}' (choose from {', '.join(METHODS)})"
        )
    if n <= 3 or method == "mds":
        coordinates = landmark_layout(n, rows)
    else:
        embedder = embed_umap_graph if method == "umap" else embed_tsne_graph
        options = dict(params)
        if method == "umap" and params.get("init") == "mds":
            options["init"] = umap_start(landmark_layout(n, rows))
        with threadpool_limits(limits=1, user_api="blas"):
            coordinates = embedder(*graph, random_state, threads, **options)
    return finite(coordinates, method, params)


def embed_step(
    inputs, output, method, metric, options, random_state, threads, mask, movie
):
    """Rule ``embed``: one method's coordinates from a movie's distance matrix
    (``inputs["distances"]``) or, on the long-movie path, from its frames
    (``inputs["frames"]``; MDS's landmark distances) and its neighbour graph
    (``inputs["graph"]``, t-SNE and UMAP); ``mask``: the movie's mask
    rectangles.

    ``options`` is the method's config block (``n_neighbors`` already this
    metric's, see ``framescape.config.method_options``).
    """
    params = dict(options)
    long_path = "frames" in inputs
    graph = None
    if not long_path:
        distances = np.load(inputs["distances"])
        n = len(distances)
    else:
        n = npy_shape(inputs["frames"])[0]
        if "graph" in inputs:
            with np.load(inputs["graph"]) as arrays:
                graph = arrays["indices"], arrays["distances"]
        if method == "mds":
            params = {"landmarks": min(n, LANDMARKS)}
    if method == "umap":
        params["n_neighbors"] = resolve_n_neighbors(params["n_neighbors"], n, long_path)
    log.info(
        "%s on %s %s of %d frames: %s",
        method,
        metric,
        "distances" if not long_path else "neighbour graph" if graph else "landmarks",
        n,
        params,
    )
    started = time.monotonic()
    if long_path:
        frames, mask = load_movie_frames(inputs["frames"], mask, movie, threads)
        coordinates = embed_graph(
            n,
            method,
            random_state,
            threads,
            graph,
            rows=lambda chosen: distances_to(
                frames,
                metric,
                chosen,
                mask,
                progress=Progress(f"{metric} distances of {len(chosen)} landmarks"),
            ),
            **({} if method == "mds" else params),
        )
    else:
        coordinates = embed(distances, method, random_state, threads, **params)
    log.info("done in %.1f s", time.monotonic() - started)
    save_npy(output, coordinates)
