"""Pairs of windows that look alike: their descriptors' similarity, a block of
windows against all at a time, no N×N kept (:func:`similar_pairs`), and the
similarity that leaves out the least alike parts of the picture, which shrugs
off a logo or a caption (:class:`RegionSimilarity`)."""



import faiss
import numba
import numpy as np

# Matching. Pairs at least this similar (all parts) vote for an offset;
# frames keep matching along an offset while at least MATCH_SIMILARITY
# similar (all parts but DROP). On bikes.mp4's windows against its copies
# under a 10 % logo, bars and grading, all parts gave at least 0.77, all but
# two 0.90; against bigbuckbunny.mp4 and carphone.mp4 at most 0.16 and 0.31.
# A title card held in two movies matched at 0.73: below, so it lengthens a
# stretch of footage that follows it at nearly the same offset by one window
# (EDGE_SIMILARITY) at most.
SEED_SIMILARITY = 0.65
# Most pairs one frame keeps as votes (the most similar).
MOST_PAIRS = 32
# Parts of a descriptor left out of a comparison, the least alike: a logo or caption over up to
# about 15 % of the picture covers one or two of the 12.
DROP = 2
# Rows scored against all frames at a time in similar_pairs.
PAIR_BLOCK = 512
# Windows searched through an index (indexed_pairs) rather than against every
# window: past reuse.index_windows. Each list of the inverted-file index holds
# about LIST_WINDOWS windows; a window is searched in PROBES lists for its most
# similar there: MOST_PAIRS, the windows of its own movie within min_seconds
# (left out afterwards, as every pair's search leaves them) and as many again.
LIST_WINDOWS = 256
PROBES = 16


class RegionSimilarity:
    """``similarity(i, j)``: ``(k,) float64`` in [0, 1], the mean rank
    correlation of windows ``i`` and ``j`` (index arrays) over all their
    ``parts`` but the :data:`DROP` least alike, negative values as 0
    (descriptors of :mod:`framescape.reuse.descriptors`).

    Following an offset compares millions of pairs, so each pair's parts are
    summed side by side: the ``(N, D)`` float32 ``vectors`` have their columns
    reordered *in place*, the ``e``-th cell of every part beside each other,
    and are then read-only (reordered twice, they would compare the wrong
    cells). Per pair, each part's float32 products are added in float64 in
    their cells' order, times ``parts``; the parts are sorted by a network of
    compare-exchanges rather than by branches and the kept ones added from the
    least alike up: the values of that plain loop on the vectors as they
    were, to the bit.
    """

    def __init__(self, vectors, parts):
        size = vectors.shape[1] // parts
        order = (np.arange(parts)[None, :] * size + np.arange(size)[:, None]).ravel()
        for start in range(0, len(vectors), REORDER_ROWS):
            block = vectors[start : start + REORDER_ROWS]
            block[:] = block[:, order]
        vectors.flags.writeable = False
        self.vectors, self.parts = vectors, parts
        self.comparators = sorting_network(parts)

    def __call__(self, i, j):
        return interleaved_similarity(
            self.vectors,
            np.asarray(i, dtype=np.int64),
            np.asarray(j, dtype=np.int64),
            self.parts,
            DROP,
            self.comparators,
        )


# Rows of descriptors reordered at a time by RegionSimilarity: the reordered
# copy of a block is all the memory it adds (3 MiB of 192 cells), a million
# windows' copy would be 768 MB.
REORDER_ROWS = 4096


def sorting_network(n):
    """``(C, 2) int64`` compare-exchanges that sort ``n`` values ascending
    (Batcher's odd-even merge sort of the next power of two, those that touch
    a place past ``n`` left out: those places hold +inf as if)."""
    size = 1 << max(0, n - 1).bit_length()
    pairs = []
    merged = 1
    while merged < size:
        gap = merged
        while gap >= 1:
            for j in range(gap % merged, size - gap, 2 * gap):
                for i in range(min(gap, size - j - gap)):
                    if (i + j) // (2 * merged) == (i + j + gap) // (2 * merged):
                        pairs.append((i + j, i + j + gap))
            gap //= 2
        merged *= 2
    return np.array([pair for pair in pairs if pair[1] < n], np.int64).reshape(-1, 2)


@numba.njit(cache=True, nogil=True)
def interleaved_similarity(vectors, i, j, parts, drop, comparators):
    """:class:`RegionSimilarity`'s loop over pairs, on vectors whose column
    ``e · parts + p`` is part ``p``'s ``e``-th cell."""
    size = vectors.shape[1] // parts
    out = np.empty(len(i))
    totals = np.empty(parts)
    for k in range(len(i)):
        a, b = vectors[i[k]], vectors[j[k]]
        totals[:] = 0.0
        for e in range(size):
            base = e * parts
            for p in range(parts):
                totals[p] += a[base + p] * b[base + p]
        totals *= parts
        for c in range(comparators.shape[0]):
            x, y = comparators[c, 0], comparators[c, 1]
            low, high = min(totals[x], totals[y]), max(totals[x], totals[y])
            totals[x], totals[y] = low, high
        # The kept parts added from the least alike up, as a sorted sum.
        total = 0.0
        for p in range(drop, parts):
            total += totals[p]
        out[k] = min(max(total / (parts - drop), 0.0), 1.0)
    return out


@numba.njit(cache=True, parallel=True)
def keep_listed(scores, listed, row_ids, movie, time, threshold, apart, most, pairs):
    """:func:`keep_similar` over each row's listed windows only: ``scores``
    and ``listed`` ``(rows, c)``, most similar first (-1: none)."""
    rows, columns = scores.shape
    for r in numba.prange(rows):
        i = row_ids[r]
        kept = 0
        for c in range(columns):
            j = listed[r, c]
            if kept == most or j < 0 or scores[r, c] < threshold:
                break
            if j == i or (movie[j] == movie[i] and abs(time[j] - time[i]) < apart):
                continue
            pairs[r, kept] = j
            kept += 1


@numba.njit(cache=True, parallel=True)
def keep_similar(scores, row_ids, movie, time, threshold, apart, most, pairs):
    """Per row of ``scores`` (frames ``row_ids`` against all frames), the
    columns of the ``most`` highest scores at least ``threshold``, skipping
    the row's own movie within ``apart`` seconds; into ``pairs`` (rows, most)
    (-1 where fewer). Returns nothing: ``pairs`` is filled in place."""
    rows, columns = scores.shape
    for r in numba.prange(rows):
        i = row_ids[r]
        best = np.full(most, -np.inf, dtype=np.float32)
        found = np.full(most, -1, dtype=np.int64)
        for j in range(columns):
            s = scores[r, j]
            if s < threshold or s <= best[most - 1] or j == i:
                continue
            if movie[j] == movie[i] and abs(time[j] - time[i]) < apart:
                continue
            # Insert in descending order.
            k = most - 1
            while k > 0 and best[k - 1] < s:
                best[k] = best[k - 1]
                found[k] = found[k - 1]
                k -= 1
            best[k] = s
            found[k] = j
        pairs[r] = found


def listed_pairs(rows, pairs):
    """``(M, 2) int64``: each row's frame with each frame its ``pairs`` row
    lists (-1: none)."""
    r, c = np.nonzero(pairs >= 0)
    return np.stack([rows[r], pairs[r, c]], axis=1)


def unique_pairs(found):
    """The blocks' pairs ``found`` as frame index pairs ``i < j``, each once."""
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    return np.unique(np.sort(np.concatenate(found), axis=1), axis=0)


def similar_pairs(
    vectors,
    movie,
    time,
    apart,
    threshold=SEED_SIMILARITY,
    most=MOST_PAIRS,
    block=PAIR_BLOCK,
    rows=None,
    progress=None,
):
    """Pairs of frames whose descriptors are at least ``threshold`` similar.

    The frames ``rows`` (default: all) against every frame, ``block`` rows at
    a time (one BLAS product each); no (N, N) array is kept.

    Parameters
    ----------
    vectors : (N, D) float32
        Unit descriptors (zero rows match nothing).
    movie : (N,) int
        Each frame's movie number.
    time : (N,) float64
        Each frame's time in its movie (s).
    apart : float
        Frames of one movie closer than this (s) are not paired.
    threshold, most : float, int
        Each frame keeps its ``most`` most similar frames at least ``threshold``
        similar.
    rows : (R,) int, optional
        The frames compared with all (windows overlapping by half: every
        other one of each movie finds the same footage at most a quarter of a
        window off, for half the time).

    Returns
    -------
    (M, 2) int64
        Frame index pairs ``i < j``, each once.
    """
    rows = np.arange(len(vectors)) if rows is None else np.asarray(rows)
    found = []
    for start in range(0, len(rows), block):
        these = rows[start : start + block]
        scores = vectors[these] @ vectors.T
        pairs = np.full((len(these), most), -1, dtype=np.int64)
        keep_similar(
            scores, these, movie, time, np.float32(threshold), apart, most, pairs
        )
        found.append(listed_pairs(these, pairs))
        if progress:
            progress(start + len(these), len(rows), "windows")
    return unique_pairs(found)


def window_index(vectors):
    """faiss's inverted-file index of ``vectors`` (unit rows; zero rows, which
    match nothing, are given to the caller to leave out) by inner product:
    about :data:`LIST_WINDOWS` a list, searched in :data:`PROBES`."""
    n, dimensions = vectors.shape
    lists = max(1, round(n / LIST_WINDOWS))
    quantizer = faiss.IndexFlatIP(dimensions)
    index = faiss.IndexIVFFlat(quantizer, dimensions, lists, faiss.METRIC_INNER_PRODUCT)
    index.cp.seed = 0
    index.cp.min_points_per_centroid = 1
    # The centres from every window, a fixed sample of at most 64 per list.
    rng = np.random.default_rng(0)
    sample = np.sort(rng.choice(n, min(n, 64 * lists), replace=False))
    index.train(np.ascontiguousarray(vectors[sample]))
    index.add(np.ascontiguousarray(vectors))
    index.nprobe = min(PROBES, lists)
    return index


def searched_count(movie, time, apart, described, most=MOST_PAIRS, step=None):
    """How many of its most similar windows a window takes from the index:
    its ``most``, the windows of its own movie within ``apart`` seconds (left
    out afterwards) and as many again, at most the ``described`` windows.
    ``step``: the shortest time between two windows of a movie (s; by default
    taken from ``time``)."""
    if step is None:
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
    block=16 * PAIR_BLOCK,
    step=None,
    progress=None,
):
    """The pairs of the windows ``rows`` with their most similar ones in
    ``index`` (:func:`window_index` of the described windows of ``vectors``),
    searched ``block`` at a time: ``(M, 2) int64`` window pairs ``i < j``,
    each once. A window's results do not depend on the others searched with
    it. Parameters as :func:`indexed_pairs`'s."""
    described = np.flatnonzero(vectors.any(axis=1))
    rows = np.asarray(rows)
    rows = rows[vectors[rows].any(axis=1)]
    if not len(rows) or len(described) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    searched = searched_count(movie, time, apart, len(described), most, step)
    found = []
    for start in range(0, len(rows), block):
        these = rows[start : start + block]
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


def indexed_pairs(
    vectors,
    movie,
    time,
    apart,
    threshold=SEED_SIMILARITY,
    most=MOST_PAIRS,
    block=16 * PAIR_BLOCK,
    rows=None,
    step=None,
    progress=None,
):
    """:func:`similar_pairs` through an index (:func:`window_index`): each row
    compared only with the most similar windows of the lists it is searched
    in (:func:`search_block`). The scores are the same dot products; a pair
    is missed only where the index does not offer it. Parameters as
    :func:`similar_pairs`'s, and ``step``, the shortest time between two
    windows of a movie (s; by default taken from ``time``), which says how
    many windows of its own movie a row may find within ``apart`` before any
    other."""
    rows = np.arange(len(vectors)) if rows is None else np.asarray(rows)
    described = np.flatnonzero(vectors.any(axis=1))
    if not vectors[rows].any(axis=1).any() or len(described) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    index = window_index(vectors[described])
    return search_block(
        index, vectors, movie, time, apart, rows, threshold, most, block, step, progress
    )
