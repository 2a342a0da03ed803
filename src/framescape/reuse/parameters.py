"""Numbers the reuse stage's search in blocks computes with, which Snakemake
reads too (its jobs' count, :mod:`framescape.reuse.resources`): plain Python,
as Snakemake's own process imports it while it plans a run."""

# Windows a movie's descriptors hold, from the size of its descriptors.npz
# (uncompressed: common.save_npz, whose members' headers take the same bytes
# whatever the count): a window's vector, 12 × 16 cells in float32
# (reuse.descriptors.GRID), and its start, a float64; the zip's and the four
# arrays' headers besides.
WINDOW_FILE_BYTES = 12 * 16 * 4 + 8
DESCRIPTORS_FILE_BYTES = 1016
# Windows searched in the index by one reuse_search job (the rows of
# matching.indexed_pairs: every other window of each movie): eight of the
# index's chunks of queries (matching.indexed_pairs' block, 16 × 512), so that
# a job's time stays the same whatever the folder's size.
SEARCH_ROWS = 8 * 16 * 512


def descriptor_windows_sized(size):
    """Windows in a ``descriptors.npz`` of ``size`` bytes."""
    return max(0, (size - DESCRIPTORS_FILE_BYTES) // WINDOW_FILE_BYTES)


def search_rows(windows):
    """Windows searched (every other window of each movie: the first, the
    third …) for movies of ``windows`` windows each."""
    return sum((count + 1) // 2 for count in windows)


def search_blocks(windows):
    """reuse_search jobs for movies of ``windows`` windows each, one at least."""
    return max(1, -(-search_rows(windows) // SEARCH_ROWS))
