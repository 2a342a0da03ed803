"""t-SNE and UMAP layouts: from a distance matrix (t-SNE on each frame's
nearest frames, umap-learn on precomputed distances) or from the neighbour
graph of a long movie (the same t-SNE, umap-learn on the graph): one openTSNE
layout for both paths; UMAP lays identical frames out once
(:mod:`framescape.embed.identical`); parameters that do not fit a movie's
frames are clamped with a warning, and umap-learn's numba functions are kept
compiled on disk."""


import sys
import warnings

import numpy as np
from numba.core.caching import NullCache
from numba.core.dispatcher import Dispatcher

from framescape.common import log
from framescape.distances.nearest import nearest_frames
from framescape.embed.identical import first_frames, group_graph, groups_of_matrix
from framescape.embed.mds import classical_mds
from framescape.run.progress import umap_progress, watching

# t-SNE's iterations with exaggerated attraction (openTSNE's default).
EARLY_EXAGGERATION_ITER = 250
# Points from which t-SNE interpolates its gradients by FFT instead of
# Barnes-Hut (openTSNE's own choice).
TSNE_FFT_POINTS = 10_000
# Iterations between two of openTSNE's progress callbacks: each makes it
# compute the KL divergence, up to an iteration's work, so at least
# MIN_CALLBACK_ITERATIONS (up to a tenth more work); below 50,000 points
# fewer callbacks still, PROGRESS_POINT_ITERATIONS / points up to 50, as the
# iterations are quick there. At a million points 10 iterations take about 20 s
# (docs/performance.md, "A million frames"): between two counts, the watch's
# lines every 10 s carry the estimate on.
PROGRESS_POINT_ITERATIONS = 500_000
MIN_CALLBACK_ITERATIONS = 10


def clamp(name, value, low, high, n_frames):
    """``value`` clamped to [low, high], with a logged warning when it changes."""
    clamped = min(max(value, low), high)
    if clamped != value:
        log.warning(
            "%s=%s does not fit a map of %d points: using %s",
            name,
            value,
            n_frames,
            clamped,
        )
    return clamped


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


def tsne_neighbours(n_frames, perplexity):
    """How many nearest frames t-SNE reads a frame: 3 × perplexity (the
    perplexity clamped to [1, (N − 1) / 3]), at most N − 1."""
    perplexity = min(max(float(perplexity), 1.0), (n_frames - 1) / 3)
    return min(n_frames - 1, int(3 * perplexity))


def embed_tsne(
    distances,
    random_state,
    threads=1,
    perplexity=30.0,
    early_exaggeration=12.0,
    learning_rate="auto",
    max_iter=1000,
):
    """t-SNE of a distance matrix: each frame's :func:`tsne_neighbours` nearest
    frames in it (:func:`framescape.distances.nearest.nearest_frames`: nearest
    first, equal distances in frame order, as the neighbour graph orders them),
    laid out by :func:`embed_tsne_graph`. A graph that holds the same neighbours
    gives the same coordinates, to the last bit."""
    wanted = tsne_neighbours(len(distances), perplexity)
    nearest = nearest_frames(distances, wanted).astype(np.intp)
    near = np.take_along_axis(distances, nearest, axis=1)
    return embed_tsne_graph(
        nearest,
        near,
        random_state,
        threads,
        perplexity,
        early_exaggeration,
        learning_rate,
        max_iter,
    )


class TsneProgress:
    """openTSNE's callback: the iteration it reports, counted over both phases
    (``phase_starts``: the iterations done before each phase begins), to
    ``watch`` (:func:`framescape.run.progress.watching`)."""

    def __init__(self, phase_starts, total, watch):
        self.phase_starts, self.total = list(phase_starts), total
        self.offset = 0
        self.watch = watch

    def optimization_about_to_start(self):
        self.offset = self.phase_starts.pop(0)
        if self.offset == 0:
            # Counted from the first iteration: the time left is timed from here.
            self.watch(0, self.total, "iterations")

    def __call__(self, iteration, error, embedding):
        self.watch(self.offset + iteration, self.total, "iterations")


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
    """t-SNE from each frame's nearest frames, with openTSNE: the neighbour
    graph (:mod:`framescape.graph`) on the long-movie path, the matrix's nearest
    on the dense path (:func:`embed_tsne`). Each frame's
    :func:`tsne_neighbours` nearest frames (3 × perplexity) give the
    affinities, a Gaussian of their distances whose width makes the
    ``perplexity``; gradients by Barnes-Hut below :data:`TSNE_FFT_POINTS`
    frames, by FFT interpolation (Linderman et al. 2019) from there on. The same
    coordinates, to the last bit, for the same ``random_state``, whatever
    ``threads``.

    ``max_iter`` counts all iterations, the first
    :data:`EARLY_EXAGGERATION_ITER` (or all, if fewer) with the attraction
    multiplied by ``early_exaggeration``. ``learning_rate`` is openTSNE's, in
    both phases: ``"auto"`` is N / ``early_exaggeration`` (Belkina et al.
    2019), a number is taken as it is (openTSNE's gradient is a quarter of
    scikit-learn's: scikit-learn's learning rate ``r`` takes the steps of
    ``4 r`` here). Momentum 0.8 throughout and a start from N(0, 1e-4²) draws
    of ``random_state``, as openTSNE does. A progress line about every 10 s,
    with the time left.

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
        indices, distances, tsne_neighbours(n, perplexity), "t-SNE"
    )
    with watching("t-SNE's affinities"):
        affinities = PerplexityBasedNN(
            perplexity=perplexity,
            knn_index=PrecomputedNeighbors(
                np.ascontiguousarray(nearest, np.int64),
                np.ascontiguousarray(near, np.float64),
            ),
            n_jobs=threads,
        )
    early = min(EARLY_EXAGGERATION_ITER, max_iter)
    every = max(MIN_CALLBACK_ITERATIONS, min(50, PROGRESS_POINT_ITERATIONS // n))
    start = random_start(n, 2, random_state=random_state)
    with watching("t-SNE") as watch:
        model = OpenTSNE(
            n_components=2,
            early_exaggeration=early_exaggeration,
            early_exaggeration_iter=early,
            n_iter=max_iter - early,
            learning_rate=(
                n / early_exaggeration if learning_rate == "auto" else learning_rate
            ),
            negative_gradient_method="fft" if n >= TSNE_FFT_POINTS else "bh",
            n_jobs=threads,
            callbacks=TsneProgress([0, early], max_iter, watch),
            callbacks_every_iters=every,
        )
        embedding = model.fit(affinities=affinities, initialization=start)
    return np.array(embedding, np.float64)


def cache_compiled_functions(packages):
    """Let numba keep the compiled code of ``packages``' functions on disk, as it
    does for ours (``cache=True``).

    umap-learn and pynndescent compile most of their numba functions again in
    every new process: most of a umap job's time for a few hundred frames, where
    loading them from the cache takes a fraction of a second (docs/performance.md,
    "The demo and the tests"). The compiled code is the same, only kept; it goes
    to the package's ``__pycache__`` (or numba's user cache folder).
    """
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".")[0] not in packages:
            continue
        for value in list(vars(module).values()):
            if isinstance(value, Dispatcher) and isinstance(value._cache, NullCache):
                value.enable_caching()


def umap_neighbours(n_frames, n_neighbors, warn=False):
    """UMAP's ``n_neighbors`` for ``n_frames`` points, itself included: at
    least 2, at most N − 1 (a warning when it changes, with ``warn``)."""
    if warn:
        return clamp("umap.n_neighbors", int(n_neighbors), 2, n_frames - 1, n_frames)
    return min(max(int(n_neighbors), 2), n_frames - 1)


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
        n_neighbors=umap_neighbours(n, n_neighbors, warn=True),
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
        with umap_progress(model):
            return model.fit_transform(data)


def collapsed(n, count):
    """Whether UMAP lays out ``count`` groups of identical frames instead of
    the ``n`` frames: when some are identical and more than three groups are
    not (fewer are laid out as before, frame by frame)."""
    if count == n or count <= 3:
        return False
    log.info("UMAP of %d frames laid out as %d points: identical frames once", n, count)
    return True


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
    """UMAP from the distance matrix (umap-learn's ``precomputed`` metric),
    identical frames (distance 0) laid out once, as one point
    (:mod:`framescape.embed.identical`); ``init`` ``"mds"`` starts from
    classical MDS of every frame."""
    if isinstance(init, str) and init == "mds":
        # Of every frame, as the graph path's landmark MDS places them.
        init = umap_start(classical_mds(distances))
    count, labels = groups_of_matrix(distances)
    collapse = collapsed(len(distances), count)
    if collapse:
        first = first_frames(labels)
        distances = distances[np.ix_(first, first)]
        if not isinstance(init, str):
            init = np.asarray(init)[first]
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
    coordinates = fit_umap(model, distances.astype(np.float32))
    return coordinates[labels] if collapse else coordinates


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
    rows=None,
):
    """UMAP from the neighbour graph (:mod:`framescape.graph`)
    instead of the distance matrix: umap-learn's ``precomputed_knn``. With the
    same neighbours as the matrix gives, the same coordinates as
    :func:`embed_umap`, bit for bit (umap counts each frame as its own first
    neighbour, which is added here), as long as each group of identical frames
    finds its nearest groups in the lists. Identical frames are laid out once,
    each group from its frames' lists and the lists that name its frames, or
    from ``rows`` where no list joins it to another group
    (:mod:`framescape.embed.identical`).

    Parameters
    ----------
    indices : (N, k) int
        Each frame's nearest frames, itself excluded; ``k ≥ n_neighbors − 1``.
    distances : (N, k) float
        Their distances.
    rows : callable, optional
        ``rows(frames)``: their distances to every frame, for the groups of
        identical frames that the lists join to no other.

    Returns
    -------
    (N, 2) float64
    """
    if isinstance(init, str) and init == "mds":
        raise ValueError("init 'mds' on the graph path: pass the MDS coordinates")
    # As many as umap_model keeps for N frames (for fewer points, fewer: the
    # first of these).
    wanted = umap_neighbours(len(indices), n_neighbors) - 1
    nearest_of_graph(indices, distances, wanted, "umap")
    grouped = group_graph(indices, distances, wanted, rows)
    collapse = grouped is not None and collapsed(len(indices), grouped[0])
    n = grouped[0] if collapse else len(indices)
    if collapse:
        _, labels, indices, distances = grouped
        if not isinstance(init, str):
            init = np.asarray(init)[first_frames(labels)]
    model = umap_model(
        n, random_state, threads, n_neighbors, min_dist, spread, n_epochs, init
    )
    wanted = model.n_neighbors - 1
    if collapse and (indices[:, wanted - 1] < 0).any():
        log.info(
            "%d of the %d points have fewer than %d neighbours in the graph",
            (indices[:, wanted - 1] < 0).sum(),
            n,
            wanted,
        )
    knn_indices, knn_distances = with_each_frame_first(
        indices, distances, wanted, "umap"
    )
    model.precomputed_knn = (
        knn_indices.astype(np.int64),
        knn_distances.astype(np.float32),
    )
    coordinates = fit_umap(model, np.zeros((n, 1), np.float32))
    coordinates = np.asarray(coordinates, np.float64)
    return coordinates[labels] if collapse else coordinates
