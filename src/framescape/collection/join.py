"""Rule ``collection_join``: every movie's common-size frames one after the other,
as the frames of the movie ``collection``, and the folder's frame table
(``results/collection/frames.tsv``: whose movie and frame each one is).

Both are written as they are read, a block of frames and of rows at a time, so
the job's memory stays the same whatever the folder's size."""


import csv
import itertools

from framescape.collection.blocks import frame_blocks, frame_shape, frames_writer
from framescape.collection.parameters import TABLE_ROWS, block_frames
from framescape.common import TSV, atomic_path, log, tsv_text

# The folder's frame table (results/collection/frames.tsv): which movie and
# frame each of the collection's frames is; file is relative to results/.
TABLE_COLUMNS = ("movie", "frame", "time", "file")


def movie_rows(movie, frames_tsv):
    """The folder table's rows of one movie, from its ``frames.tsv``, one at a
    time."""
    with open(frames_tsv, newline="", encoding="utf-8") as table:
        for frame in csv.DictReader(table, dialect=TSV):
            yield [movie, frame["frame"], frame["time"], f"{movie}/{frame['file']}"]


def table_lines(rows):
    """``rows`` as lines of the :class:`~framescape.common.TSV` table, without
    its header."""
    text = tsv_text(TABLE_COLUMNS, rows)
    return text[text.index("\n") + 1 :]


def write_movie_rows(table, movie, frames_tsv):
    """Write one movie's rows into the open ``table``, :data:`TABLE_ROWS` at a
    time; returns how many."""
    rows, count = movie_rows(movie, frames_tsv), 0
    while chunk := list(itertools.islice(rows, TABLE_ROWS)):
        table.write(table_lines(chunk))
        count += len(chunk)
    return count


def join_step(frames_npys, frames_tsvs, movies, frames_output, table_output):
    """Rule ``collection_join``: the movies' common-size frames one after the
    other (``frames_output``) and the table saying whose each frame is
    (``table_output``, :data:`TABLE_COLUMNS`), in the order of ``movies``."""
    if not movies:
        raise ValueError(f"{table_output}: no movie to join")
    shapes = [frame_shape(path)[0] for path in frames_npys]
    for npy, shape in zip(frames_npys, shapes, strict=True):
        if shape[1:] != shapes[0][1:]:
            raise ValueError(
                f"{npy} holds frames of {shape[1:]}, not {shapes[0][1:]}"
            )
    total = sum(shape[0] for shape in shapes)
    block = block_frames(int(shapes[0][1] * shapes[0][2] * shapes[0][3]))
    with (
        frames_writer(frames_output, (total, *shapes[0][1:])) as joined,
        atomic_path(table_output) as table_path,
        open(table_path, "w", encoding="utf-8") as table,
    ):
        table.write(tsv_text(TABLE_COLUMNS, []))
        for movie, npy, tsv, shape in zip(
            movies, frames_npys, frames_tsvs, shapes, strict=True
        ):
            for part in frame_blocks(npy, block):
                joined.write(part)
            listed = write_movie_rows(table, movie, tsv)
            if listed != shape[0]:
                raise ValueError(
                    f"{tsv} lists {listed} frames, {npy} holds {shape[0]}"
                )
    log.info("%d frames of %d movies", total, len(movies))
