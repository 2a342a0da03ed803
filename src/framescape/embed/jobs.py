"""Rule ``embed``'s step: one method's ``(N, 2)`` coordinates of one metric, from a
movie's distance matrix or, on the neighbour-graph path, from its graph and
frames."""


import time

import numpy as np

from framescape.common import (
    Progress,
    log,
    npy_shape,
    save_npy,
)
from framescape.distances.jobs import load_movie_frames
from framescape.distances.nearest import distances_to
from framescape.embed.methods import embed, embed_graph
from framescape.embed.parameters import LANDMARKS, resolve_n_neighbors


def embed_step(
    inputs, output, method, metric, options, random_state, threads, mask, movie
):
    """Rule ``embed``: one method's coordinates from a movie's distance matrix
    (``inputs["distances"]``) or, on the long-movie path, from its frames
    (``inputs["frames"]``; MDS's landmark distances) and its neighbour graph
    (``inputs["graph"]``, t-SNE and UMAP); ``mask``: the movie's mask
    rectangles.

    ``options`` is the method's config block (``n_neighbors`` already this
    metric's, see ``framescape.run.config.method_options``).
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
                progress=Progress(f"{metric} distances of {len(chosen)} frames to all"),
            ),
            **({} if method == "mds" else params),
        )
    else:
        coordinates = embed(distances, method, random_state, threads, **params)
    log.info("done in %.1f s", time.monotonic() - started)
    save_npy(output, coordinates)
