"""How much of a movie the folder map's per-movie and joining steps hold at a
time: light (plain Python), as Snakemake's own process sizes their jobs from it
too (:mod:`framescape.collection.resources`). The blocks change no result: each
frame is resized alone, and the joined files are the same bytes whatever the
block."""

from framescape.common import MB

# Frames read, resized or copied at a time: at most this many bytes of them
# (uint8), so that a job's memory stays the same whatever the movie's length.
# 16 MB is 72 frames of 320×240 (resizing holds float32 copies of them: about
# 5 times as much).
BLOCK_BYTES = 16 * MB
# Rows of the folder's frame table turned into text and written at a time.
TABLE_ROWS = 10_000


def block_frames(frame_bytes):
    """Frames of ``frame_bytes`` bytes in a block of at most
    :data:`BLOCK_BYTES`, and at least one."""
    return max(1, BLOCK_BYTES // frame_bytes)


def resize_block(source_width, source_height, width, height):
    """Frames resized at a time from ``source_width × source_height`` to
    ``width × height``: a block of the larger of a source and a resized
    frame."""
    return block_frames(3 * max(source_width * source_height, width * height))
