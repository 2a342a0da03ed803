"""Rules ``scale`` and ``merge_json``: each map's ``(N, 2)`` coordinates min-max
scaled per axis into ``[low, high]`` (config ``scale``), then every map,
rounded, merged with ``frames.tsv`` into one JSON item per frame."""


import numpy as np

from framescape.common import load_frames_tsv, log, save_json, save_npy

COORDINATE_DECIMALS = 6


def scale_coordinates(coordinates, low=0.1, high=0.9):
    """Min-max scale each axis of ``(N, 2)`` coordinates into [low, high].

    An axis with no spread (one frame, identical frames) goes to the middle.
    """
    coordinates = np.asarray(coordinates, np.float64)
    if not np.isfinite(coordinates).all():
        raise ValueError("coordinates must be finite")
    minimum = coordinates.min(axis=0)
    spread = coordinates.max(axis=0) - minimum
    unit = np.divide(
        coordinates - minimum,
        spread,
        out=np.full_like(coordinates, 0.5),
        where=spread > 0,
    )
    return low + unit * (high - low)


def rounded_maps(scaled, n_frames):
    """Each map's coordinates as lists of ``[x, y]``, rounded to
    :data:`COORDINATE_DECIMALS`, checked to hold ``n_frames`` points."""
    for key, coordinates in scaled.items():
        if len(coordinates) != n_frames:
            raise ValueError(
                f"{key} has {len(coordinates)} points for {n_frames} frames"
            )
    return {
        key: np.round(value, COORDINATE_DECIMALS).tolist()
        for key, value in scaled.items()
    }


def merge_items(movie, frames, scaled):
    """The movie's JSON: one item per frame, in frame order.

    Parameters
    ----------
    movie : str
        Movie id; ``src`` paths are relative to ``results/``, where the JSON lives.
    frames : list of dict
        ``frame``, ``time``, ``file`` per frame (``frames.tsv``).
    scaled : dict
        ``{"<method>_<metric>": (N, 2) array}``.
    """
    rounded = rounded_maps(scaled, len(frames))
    return [
        {
            "src": f"{movie}/{frame['file']}",
            "frame": frame["frame"],
            "time": frame["time"],
            **{key: rounded[key][index] for key in rounded},
        }
        for index, frame in enumerate(frames)
    ]


def scale_step(embedding_npy, output, scale):
    """Rule ``scale``: coordinates into ``scale`` = ``[low, high]``."""
    low, high = scale
    save_npy(output, scale_coordinates(np.load(embedding_npy), low, high))


def merge_step(frames_tsv, scaled_npys, output, movie, names):
    """Rule ``merge_json``: the movie's JSON from its frame table and scaled maps."""
    frames = load_frames_tsv(frames_tsv)
    scaled = {key: np.load(path) for key, path in zip(names, scaled_npys)}
    items = merge_items(movie, frames, scaled)
    save_json(output, items)
    log.info("%d frames, keys %s", len(items), ", ".join(scaled))
