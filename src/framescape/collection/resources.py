"""Memory the folder map's per-movie and joining jobs ask a scheduler for, from
the frames' sizes: light, as Snakemake imports it while it plans a run (and
apart from the steps, so that re-measuring them reruns nothing).

Both jobs hold one block of frames at a time
(:mod:`framescape.collection.parameters`), never a whole movie or folder, so
their memory does not grow with the number of frames: what they hold is
counted array by array, and the fixed part (Python, numpy, Snakemake's script
preamble) is fitted to their measured peaks
(``tests/workflow/test_memory_estimates.py``; docs/performance.md, "Memory
estimates")."""

from framescape.collection.parameters import TABLE_ROWS, block_frames, resize_block
from framescape.common import MB

FIXED = 64 * MB
# A row of the folder's frame table while it is written: its list and strings,
# and its line of text three times over (the writer's buffer, its text, the
# text without the header), with room for a long movie id.
ROW_BYTES = 2048


def frames_memory(source_width, source_height, width, height):
    """Bytes the ``collection_frames`` job holds, resizing frames of
    ``source_width × source_height`` to ``width × height`` a block at a time:
    the block as read (uint8) and as float32, the float32 products of its rows
    and columns, and the resized block (uint8)."""
    source = 3 * source_width * source_height
    resized = 3 * width * height
    count = resize_block(source_width, source_height, width, height)
    per_frame = 5 * source + 4 * 3 * height * source_width + 5 * resized
    return FIXED + count * per_frame


def join_memory(width, height):
    """Bytes the ``collection_join`` job holds, joining frames of ``width ×
    height``: one block of frames being copied, and :data:`TABLE_ROWS` rows of
    the table being written."""
    frame = 3 * width * height
    return FIXED + block_frames(frame) * frame + TABLE_ROWS * ROW_BYTES
