"""Memory and time the reuse job asks a scheduler for, from the size of its
input, and past reuse.index_windows those of the jobs of
:mod:`framescape.reuse.search`: light, as Snakemake imports it while it plans a
run (and apart from :mod:`framescape.reuse`'s steps, so that re-measuring them
reruns nothing).

Both are fitted to ``python benchmarks/reuse.py --folder`` on the folder map's
100-movie folder, whose footage mostly repeats, and to the slowest and largest
of its runs (docs/performance.md, "Reused footage"). The pairs' time grows with
the square of the windows (each block of windows against all), the rest with
their number."""


from framescape.common import MB
from framescape.resources import minutes

# Python and the libraries, then per window of the folder (its descriptor twice
# while joined, its pairs, its row of a block of similarities): the measured
# bytes a window with a fifth more. The pairs' and the stretches' seconds are the
# slowest run's, per its windows (docs/performance.md, "Reused footage").
FIXED = 300 * MB
BYTES_PER_WINDOW = 8 * 1024
PAIR_SECONDS = 66 / 198_630**2
STRETCH_SECONDS = 276 / 198_630
# Past reuse.index_windows, per window searched through the index: 40.7 s for
# 50,000 rows of 100,000 synthetic windows, loaded machine (matching.indexed_pairs).
INDEXED_PAIR_SECONDS = 40.7 / 50_000


def job_memory(windows):
    """Bytes the reuse job holds for ``windows`` windows in all."""
    return FIXED + BYTES_PER_WINDOW * windows


def job_minutes(windows):
    """Minutes to ask a cluster for the reuse job over ``windows`` windows,
    each against every other: MIN_RUNTIME plus RUNTIME_MARGIN times what the
    measured rates predict."""
    return minutes(PAIR_SECONDS * windows**2 + STRETCH_SECONDS * windows)


# Past reuse.index_windows, the jobs of reuse.search (python
# benchmarks/reuse_blocks.py: synthetic folders of 60,000 to 240,000 windows,
# 8 pairs alike a window; docs/performance.md, "Reused footage"). Each loads
# every movie's descriptors (776 bytes a window, twice while joined); the
# build holds the described windows' copy and the index's own too, a search
# job the index and its block's candidates, the stretches the pairs. Bytes a
# window (and a searched window) measured, with a fifth more; the stretches'
# with more pairs allowed for (at most 16 a window).
INDEX_BYTES_PER_WINDOW = 3200
SEARCH_BYTES_PER_WINDOW = 2000
SEARCH_BYTES_PER_ROW = 1500
STRETCH_BYTES_PER_WINDOW = 3 * 1024
# The index's build grows with the square of the windows: the lists' centres
# (a window in 256) trained on a quarter of them; 6.0 s at 240,000 windows,
# their loading included.
INDEX_SECONDS = 6.0 / 240_000**2


def index_memory(windows):
    """Bytes of ``reuse_index`` over ``windows`` windows in all: the
    descriptors, the described ones' copy and the index's own."""
    return FIXED + INDEX_BYTES_PER_WINDOW * windows


def search_memory(windows, rows):
    """Bytes of a ``reuse_search`` job searching ``rows`` of ``windows``
    windows: the descriptors and the index, and its rows' pairs."""
    return FIXED + SEARCH_BYTES_PER_WINDOW * windows + SEARCH_BYTES_PER_ROW * rows


def stretches_memory(windows):
    """Bytes of the reuse job past reuse.index_windows, which joins the
    ``reuse_search`` jobs' pairs: the descriptors, the pairs, the stretches
    followed along them."""
    return FIXED + STRETCH_BYTES_PER_WINDOW * windows


def index_minutes(windows):
    return minutes(INDEX_SECONDS * windows**2)


def search_minutes(rows):
    return minutes(INDEXED_PAIR_SECONDS * rows)


def stretches_minutes(windows):
    return minutes(STRETCH_SECONDS * windows)
