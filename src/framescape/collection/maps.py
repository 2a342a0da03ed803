"""Rule ``collection_json``: ``results/collection.json``, the folder map's scaled
maps with each frame's movie, frame number, time and picture."""


import numpy as np

from framescape.common import load_tsv, log, save_json
from framescape.merge.coordinates import rounded_maps
from framescape.run.progress import watching


def collection_items(table, scaled):
    """``collection.json``: one item per frame, in movie order then frame
    order: ``movie``, ``src`` (relative to ``results/``), ``frame``, ``time``
    and each map's ``[x, y]``.

    Parameters
    ----------
    table : list of dict
        Rows of ``results/collection/frames.tsv``
        (:data:`~framescape.collection.join.TABLE_COLUMNS`).
    scaled : dict
        ``{"<method>_<metric>": (N, 2) array}``, scaled
        (``merge.coordinates.scale_step``).
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
    with watching("collection.json"):
        table = load_tsv(table_tsv)
        scaled = {key: np.load(path) for key, path in zip(names, scaled_npys)}
        items = collection_items(table, scaled)
        save_json(output, items)
    movies = len({item["movie"] for item in items})
    log.info("%d frames of %d movies, maps %s", len(items), movies, ", ".join(scaled))
