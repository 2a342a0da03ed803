"""The registry of layout methods (:data:`METHODS`): :func:`embed` lays out frames
from their distance matrix, :func:`embed_graph` from the neighbour graph, BLAS
on one thread. Movies of 1–3 frames (and, from a matrix, of one repeated frame)
get exact layouts; non-finite coordinates become an error naming the settings
to change (:func:`finite`)."""



from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from threadpoolctl import threadpool_limits

from framescape.common import FramescapeError, log
from framescape.embed.mds import classical_mds, embed_mds, landmark_layout
from framescape.embed.neighbours import (
    embed_tsne,
    embed_tsne_graph,
    embed_umap,
    embed_umap_graph,
    umap_start,
)
from framescape.registry import METHODS


class Embedder(NamedTuple):
    """How a method of :data:`framescape.registry.METHODS` lays frames out:
    ``matrix(distances, random_state, threads, **params)`` from the ``(N, N)``
    matrix; ``graph(indices, distances, random_state, threads, **params)``
    from the neighbour graph (the long-movie path), or None for landmark MDS
    of the frames themselves."""

    matrix: Callable
    graph: Callable | None


EMBEDDERS = {
    "mds": Embedder(matrix=embed_mds, graph=None),
    "tsne": Embedder(matrix=embed_tsne, graph=embed_tsne_graph),
    "umap": Embedder(matrix=embed_umap, graph=embed_umap_graph),
}


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
            f"unknown method '{method}' (choose from {', '.join(EMBEDDERS)})"
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
        coordinates = EMBEDDERS[method].matrix(
            distances, random_state, threads, **params
        )
    return finite(coordinates, method, params)


def finite(coordinates, method, params):
    """``coordinates`` as float64, or the error saying which settings to change:
    never another method's map under this one's name."""
    if not np.isfinite(coordinates).all():
        raise FramescapeError(
            f"{METHODS[method].label} gave non-finite coordinates for "
            f"{len(coordinates)} frames with {params}: change the {method}: settings "
            f"in config.yaml, or leave {method} out of methods"
        )
    return np.asarray(coordinates, np.float64)


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
        (:func:`framescape.distances.nearest.distances_to`). MDS places every frame from
        :data:`framescape.embed.parameters.LANDMARKS` landmarks, and movies of at most
        three frames are laid out by classical MDS, as on the dense path; UMAP
        with ``init="mds"`` starts from that layout, and UMAP finds the
        nearest frames of identical frames that the graph joins to no other
        from them (:func:`framescape.embed.identical.group_graph`).
    **params
        The method's own parameters; ``mds:`` settings do not apply (landmark
        MDS is classical MDS).

    Returns
    -------
    (N, 2) float64
    """
    if method not in EMBEDDERS:
        raise ValueError(
            f"unknown method '{method}' (choose from {', '.join(EMBEDDERS)})"
        )
    embedder = EMBEDDERS[method].graph
    if n <= 3 or embedder is None:
        coordinates = landmark_layout(n, rows)
    else:
        options = dict(params)
        if method == "umap":
            options["rows"] = rows
            if params.get("init") == "mds":
                options["init"] = umap_start(landmark_layout(n, rows))
        with threadpool_limits(limits=1, user_api="blas"):
            coordinates = embedder(*graph, random_state, threads, **options)
    return finite(coordinates, method, params)
