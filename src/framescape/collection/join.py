"""Rule ``collection_join``: every movie's common-size frames one after the other,
as the frames of the movie ``collection``, and the folder's frame table
(``results/collection/frames.tsv``: whose movie and frame each one is)."""


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
