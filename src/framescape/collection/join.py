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

from framescape.common import load_tsv, log, save_npy, save_tsv

# The folder's frame table (results/collection/frames.tsv): which movie and
# frame each of the collection's frames is; file is relative to results/.
TABLE_COLUMNS = ("movie", "frame", "time", "file")


def join_step(frames_npys, frames_tsvs, movies, frames_output, table_output):
    """Rule ``collection_join``: the movies' common-size frames one after the
    other (``frames_output``) and the table saying whose each frame is
    (``table_output``, :data:`TABLE_COLUMNS`), in the order of ``movies``."""
    if not movies:
        raise ValueError(f"{table_output}: no movie to join")
    shapes = [np.load(path, mmap_mode="r").shape for path in frames_npys]
    total = sum(shape[0] for shape in shapes)
    joined = np.empty((total, *shapes[0][1:]), np.uint8)
    rows, start = [], 0
    for movie, npy, tsv, shape in zip(
        movies, frames_npys, frames_tsvs, shapes, strict=True
    ):
        frames = load_tsv(tsv)
        if len(frames) != shape[0]:
            raise ValueError(
                f"{tsv} lists {len(frames)} frames, {npy} holds {shape[0]}"
            )
        joined[start : start + shape[0]] = np.load(npy, mmap_mode="r")
        start += shape[0]
        rows.extend(
            [movie, frame["frame"], frame["time"], f"{movie}/{frame['file']}"]
            for frame in frames
        )
    save_npy(frames_output, joined)
    save_tsv(table_output, TABLE_COLUMNS, rows)
    log.info("%d frames of %d movies", total, len(movies))
