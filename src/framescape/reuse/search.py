"""The reuse stage past ``reuse.index_windows`` windows, as jobs of bounded
size: ``reuse_index`` builds the index of every window
(:func:`framescape.reuse.matching.window_index`), each ``reuse_search`` job
searches it for one block of :data:`SEARCH_ROWS` windows
(:func:`search_block`), and ``reuse_stretches`` joins the blocks' pairs and
writes ``reuse.tsv`` (:func:`stretches_step`). The same pairs, the same
``reuse.tsv`` as the one job of rule ``reuse``
(:func:`framescape.reuse.jobs.reuse_step` through
:func:`~framescape.reuse.matching.indexed_pairs`): a window's most similar ones
in the index do not depend on which others are searched with it."""

import time

import faiss
import numba
import numpy as np

from framescape.common import Progress, atomic_path, log, save_npz, save_tsv
from framescape.index.build import faiss_threads
from framescape.reuse.jobs import TSV_HEADER, load_descriptors, tsv_rows
from framescape.reuse.matching import (
    MOST_PAIRS,
    PAIR_BLOCK,
    SEED_SIMILARITY,
    keep_listed,
    listed_pairs,
    region_similarity,
    unique_pairs,
    window_index,
)
from framescape.reuse.parameters import SEARCH_ROWS
from framescape.reuse.stretches import MIN_SCORE, find_stretches

# Queries faiss searches at a time: indexed_pairs' block.
QUERY_CHUNK = 16 * PAIR_BLOCK


def pair_rows(movie):
    """The windows searched for pairs (``(R,) int64``): every other window of
    each movie (``movie``, each window's movie number, in movie order), as
    :func:`framescape.reuse.jobs.reuse_step` takes them."""
    first = np.searchsorted(movie, movie)
    return np.flatnonzero((np.arange(len(movie)) - first) % 2 == 0)


def block_rows(movie, block, size=None):
    """Block ``block`` of :func:`pair_rows`, ``size`` windows (default
    :data:`SEARCH_ROWS`)."""
    size = size or SEARCH_ROWS
    return pair_rows(movie)[block * size : (block + 1) * size]


def searched_count(movie, time, apart, described, most=MOST_PAIRS):
    """How many of its most similar windows a window takes from the index:
    its ``most``, the windows of its own movie within ``apart`` seconds (left
    out afterwards) and as many again, at most the ``described`` windows (as
    :func:`~framescape.reuse.matching.indexed_pairs` counts them)."""
    gaps = np.diff(time)[np.diff(movie) == 0]
    step = float(gaps[gaps > 0].min()) if (gaps > 0).any() else apart
    return min(described, 2 * most + 2 * int(np.ceil(apart / step)) + 1)


def search_block(
    index,
    vectors,
    movie,
    time,
    apart,
    rows,
    threshold=SEED_SIMILARITY,
    most=MOST_PAIRS,
    progress=None,
):
    """The pairs of the windows ``rows`` with their most similar ones in
    ``index`` (:func:`~framescape.reuse.matching.window_index` of the
    described windows of ``vectors``), as
    :func:`~framescape.reuse.matching.indexed_pairs` finds them: ``(M, 2)
    int64`` window pairs ``i < j``, each once. Parameters as its."""
    described = np.flatnonzero(vectors.any(axis=1))
    rows = np.asarray(rows)
    rows = rows[vectors[rows].any(axis=1)]
    if not len(rows) or len(described) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    searched = searched_count(movie, time, apart, len(described), most)
    found = []
    for start in range(0, len(rows), QUERY_CHUNK):
        these = rows[start : start + QUERY_CHUNK]
        scores, listed = index.search(np.ascontiguousarray(vectors[these]), searched)
        listed = np.where(listed < 0, -1, described[np.maximum(listed, 0)])
        pairs = np.full((len(these), most), -1, dtype=np.int64)
        keep_listed(
            scores, listed, these, movie, time, np.float32(threshold), apart, most, pairs
        )
        found.append(listed_pairs(these, pairs))
        if progress:
            progress(start + len(these), len(rows), "windows")
    return unique_pairs(found)


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


def stretches_step(descriptor_npzs, pair_npzs, movies, min_seconds, output, threads=1):
    """Rule ``reuse_stretches``: ``reuse.tsv`` from the blocks' pairs
    (``pair_npzs``) and every movie's descriptors (``descriptor_npzs``, in
    the order of ``movies``, their ids), as
    :func:`framescape.reuse.jobs.reuse_step` writes it."""
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    found = load_descriptors(descriptor_npzs)
    blocks = []
    for path in pair_npzs:
        with np.load(path) as part:
            blocks.append(part["pairs"])
    pairs = unique_pairs(blocks)
    log.info(
        "%d pairs of windows alike from %d searched blocks, of %d windows of %d "
        "movies",
        len(pairs),
        len(pair_npzs),
        len(found.vectors),
        len(movies),
    )

    def similarity(i, j):
        return region_similarity(found.vectors, found.parts, i, j)

    stretches = find_stretches(
        pairs,
        similarity,
        found.movie,
        found.time,
        found.step,
        min_seconds,
        span=found.step,
        described=found.vectors.any(axis=1),
        min_score=MIN_SCORE,
    )
    rows = tsv_rows(stretches, list(movies))
    save_tsv(output, TSV_HEADER, rows)
    log.info("%d stretches found in two places", len(rows))
    return rows
