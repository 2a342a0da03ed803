"""2-D embeddings of a precomputed distance matrix: MDS, t-SNE, UMAP.

Each method takes its parameters explicitly and a ``random_state``: the same
matrix and parameters give the same coordinates, to the last bit, whatever the
number of threads (BLAS runs on one thread here: a multi-threaded BLAS splits sums
differently by thread count, which moved MDS coordinates by ~1e-13). Tiny or degenerate movies (1–3
frames, all frames identical) get exact, finite layouts instead of failing.
"""

import time
import warnings

import numpy as np
from sklearn.manifold import MDS, TSNE  # loads scipy's BLAS before it is limited
from threadpoolctl import threadpool_limits

from common import FramescapeError, log, run_step, save_npy

METHODS = ("mds", "tsne", "umap")


def classical_mds(distances):
    """Classical (Torgerson) MDS: ``(N, 2)`` coordinates from an ``(N, N)`` matrix.

    Exact for up to three points; zeros where the matrix has no spread.
    """
    distances = np.asarray(distances, np.float64)
    n = len(distances)
    centring = np.eye(n) - np.full((n, n), 1.0 / n)
    inner = -0.5 * centring @ (distances**2) @ centring
    values, vectors = np.linalg.eigh((inner + inner.T) / 2)
    order = np.argsort(values)[::-1][:2]
    coordinates = vectors[:, order] * np.sqrt(np.clip(values[order], 0.0, None))
    if coordinates.shape[1] < 2:
        coordinates = np.pad(coordinates, ((0, 0), (0, 2 - coordinates.shape[1])))
    # Eigenvector signs are arbitrary: fix them so reruns agree.
    signs = np.sign(coordinates[np.argmax(np.abs(coordinates), axis=0), [0, 1]])
    return coordinates * np.where(signs == 0, 1.0, signs)


def resolve_n_neighbors(n_neighbors, metric, n_frames):
    """UMAP's ``n_neighbors`` for this metric and movie length (before clamping).

    ``n_neighbors`` is an int, ``"auto"`` (N/12, at least 2), or a mapping
    metric → int | ``"auto"``.
    """
    if isinstance(n_neighbors, dict):
        n_neighbors = n_neighbors.get(metric, "auto")
    if n_neighbors == "auto":
        return max(2, n_frames // 12)
    return int(n_neighbors)


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
):
    model = MDS(
        n_components=2,
        metric="precomputed",
        metric_mds=True,
        init=init,
        n_init=n_init,
        max_iter=max_iter,
        eps=eps,
        n_jobs=threads,
        random_state=random_state,
        normalized_stress="auto",
    )
    return model.fit_transform(distances.astype(np.float64))


def embed_tsne(
    distances,
    random_state,
    threads=1,
    perplexity=30.0,
    early_exaggeration=12.0,
    learning_rate="auto",
    max_iter=1000,
):
    n = len(distances)
    model = TSNE(
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
    return model.fit_transform(distances.astype(np.float64))


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
    from umap import UMAP

    n = len(distances)
    model = UMAP(
        n_components=2,
        metric="precomputed",
        n_neighbors=clamp("umap.n_neighbors", int(n_neighbors), 2, n - 1, n),
        min_dist=min_dist,
        spread=spread,
        n_epochs=n_epochs,
        # Spectral init needs a few more points than neighbours.
        init=init if n > 10 else "random",
        random_state=random_state,
        n_jobs=threads,
    )
    with warnings.catch_warnings():
        # A fixed random_state makes UMAP single-threaded, as wanted.
        warnings.filterwarnings("ignore", message="n_jobs value .* overridden")
        warnings.filterwarnings("ignore", message="using precomputed metric")
        return model.fit_transform(distances.astype(np.float32))


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
        raise FramescapeError(
            f"unknown method '{method}' (choose from {', '.join(METHODS)})"
        )
    distances = np.asarray(distances)
    n = len(distances)
    if distances.shape != (n, n) or n == 0:
        raise FramescapeError(
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
        if not np.isfinite(coordinates).all():
            log.warning(
                "%s gave non-finite coordinates: using classical MDS instead", method
            )
            return classical_mds(distances)
    return np.asarray(coordinates, np.float64)


def embed_step(snakemake):
    method, metric = snakemake.wildcards.method, snakemake.wildcards.metric
    distances = np.load(snakemake.input.distances)
    params = dict(snakemake.params.options)
    if method == "umap":
        params["n_neighbors"] = resolve_n_neighbors(
            params["n_neighbors"], metric, len(distances)
        )
    log.info(
        "%s on %s distances of %d frames: %s", method, metric, len(distances), params
    )
    started = time.monotonic()
    coordinates = embed(
        distances, method, snakemake.params.random_state, snakemake.threads, **params
    )
    log.info("done in %.1f s", time.monotonic() - started)
    save_npy(snakemake.output[0], coordinates)


if __name__ == "__main__":
    run_step(snakemake, embed_step)  # noqa: F821
