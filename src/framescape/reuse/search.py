"""The reuse stage past ``reuse.index_windows`` windows, as jobs of bounded
size: ``reuse_index`` builds the index of every window
(:func:`framescape.reuse.matching.window_index`), each ``reuse_search`` job
searches it for one block of :data:`~framescape.reuse.parameters.SEARCH_ROWS`
windows (:func:`~framescape.reuse.matching.search_block`), and rule ``reuse``
joins the blocks' pairs and writes ``reuse.tsv``
(:func:`framescape.reuse.jobs.reuse_step`). The same pairs as
:func:`~framescape.reuse.matching.indexed_pairs` finds for them all at once: a
window's most similar ones in the index do not depend on which others are
searched with it."""

import time

import faiss
import numba
import numpy as np

from framescape.common import FramescapeError, Progress, atomic_path, log, save_npz
from framescape.reuse import parameters
from framescape.reuse.jobs import load_descriptors, pair_rows
from framescape.reuse.matching import search_block, window_index
from framescape.threads import faiss_threads


def block_rows(movie, block, size=None):
    """Block ``block`` of :func:`~framescape.reuse.jobs.pair_rows`, ``size``
    windows (default :data:`~framescape.reuse.parameters.SEARCH_ROWS`); an
    error past the last block."""
    size = size or parameters.SEARCH_ROWS
    rows = pair_rows(movie)
    if block < 0 or block * size >= max(1, len(rows)):
        raise FramescapeError(
            f"block {block} of the searched windows: they make "
            f"{max(1, -(-len(rows) // size))} blocks; run again"
        )
    return rows[block * size : (block + 1) * size]


def index_step(descriptor_npzs, output, threads=1):
    """Rule ``reuse_index``: the index of every described window of every
    movie's descriptors (``descriptor_npzs``, in movie order), into
    ``output``; an empty one when fewer than two windows are described
    (nothing to pair)."""
    found = load_descriptors(descriptor_npzs)
    described = np.flatnonzero(found.vectors.any(axis=1))
    faiss_threads(threads)
    log.info(
        "the index of %d described windows of %d movies: its lists' centres, "
        "then every window",
        len(described),
        len(descriptor_npzs),
    )
    started = time.monotonic()
    if len(described) < 2:
        index = faiss.IndexFlatIP(found.vectors.shape[1])
    else:
        index = window_index(found.vectors[described])
    with atomic_path(output) as path:
        faiss.write_index(index, str(path))
    log.info(
        "index of %d described windows of %d (%d lists) in %.1f s",
        len(described),
        len(found.vectors),
        getattr(index, "nlist", 0),
        time.monotonic() - started,
    )


def search_step(descriptor_npzs, index_path, output, block, min_seconds, threads=1):
    """Rule ``reuse_search``: the pairs of block ``block`` of the searched
    windows (:func:`block_rows`) with their most similar ones in the index
    (``pairs``, ``(M, 2) int64``)."""
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    faiss_threads(threads)
    found = load_descriptors(descriptor_npzs)
    rows = block_rows(found.movie, int(block))
    # The lists it is searched in with it (faiss keeps nprobe in the file).
    index = faiss.read_index(str(index_path))
    started = time.monotonic()
    pairs = search_block(
        index,
        found.vectors,
        found.movie,
        found.time,
        min_seconds,
        rows,
        progress=Progress(f"similar windows, block {block}"),
    )
    save_npz(output, pairs=pairs)
    log.info(
        "block %s: %d windows of %d searched in the index, %d pairs alike in %.1f s",
        block,
        len(rows),
        len(found.vectors),
        len(pairs),
        time.monotonic() - started,
    )
