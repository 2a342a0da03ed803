"""The folder map: every frame of every readable movie on one map.

Movies may be compared at different sizes (``movie_overrides``), so the folder
compares frames at one common size, ``collection.frame_width`` ×
``collection.frame_height``, made from each movie's ``frames.npy`` by area
averaging (no second decode) and kept per movie, so that adding a movie leaves
the others' work alone. The common-size frames of all movies, one after the
other, then take the long-movie path as one movie named ``collection``
(:mod:`framescape.graph`, :mod:`framescape.embed`): a neighbour graph, never an
(N, N) matrix, and its maps. :func:`collection_items` puts the scaled maps into
``results/collection.json``."""


import numpy as np

from framescape.common import load_tsv, log, save_json
from framescape.merge.coordinates import rounded_maps


def collection_items(table, scaled):
    """``collection.json``: one item per frame, in movie order then frame
    order: ``movie``, ``src`` (relative to ``results/``), ``frame``, ``time``
    and each map's ``[x, y]``.

    Parameters
    ----------
    table : list of dict
        Rows of ``results/collection/frames.tsv`` (:data:`TABLE_COLUMNS`).
    scaled : dict
        ``{"<method>_<metric>": (N, 2) array}``, scaled (``merge.scale_step``).
    """
    rounded = rounded_maps(scaled, len(table))
    return [
        {
            "movie": row["movie"],
            "src": row["file"],
            "frame": int(row["frame"]),
            "time": float(row["time"]),
            **{key: rounded[key][index] for key in rounded},
        }
        for index, row in enumerate(table)
    ]


def collection_json_step(table_tsv, scaled_npys, names, output):
    """Rule ``collection_json``: ``results/collection.json``."""
    table = load_tsv(table_tsv)
    scaled = {key: np.load(path) for key, path in zip(names, scaled_npys)}
    items = collection_items(table, scaled)
    save_json(output, items)
    movies = len({item["movie"] for item in items})
    log.info("%d frames of %d movies, maps %s", len(items), movies, ", ".join(scaled))
