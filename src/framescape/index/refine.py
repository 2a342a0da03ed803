"""The index's graph refined: a neighbour of a neighbour is often a neighbour
(the idea of NN-descent: Dong, Charikar and Li, "Efficient k-nearest neighbor
graph construction for generic similarity measures", WWW 2011). Each frame's
candidates become its own ``k`` nearest from the search and the first ``width``
nearest of each of its first ``width`` (:func:`neighbours_of_neighbours`),
re-ranked at full size as the search's are. A frame keeps every neighbour it
had unless a nearer one is found, so the graph only gains (exactly for gray,
whose distances do not depend on what they are computed with; hsl's within
float32 rounding).

It finds what the index's reduced frames cannot tell apart: frames whose
nearest barely stand out at the index's block means (cellular automata,
fractals: scattered cells of two colours), whose true neighbours are reached
through the few of them the search found (docs/performance.md, "The folder map
through an index")."""

import numpy as np

from framescape.index.parameters import REFINE_CHUNK_ROWS


def neighbours_of_neighbours(indices, rows, width):
    """``(R, c) int32``: for each of ``rows``, its own neighbours in the graph
    ``indices`` ``(N, k)`` and the first ``width`` neighbours of each of its
    first ``width``, each once, in frame order; the row itself and the unused
    places at the end ``N``. ``c``, at most ``k + width²``, is the widest
    row's count.
    """
    n, k = indices.shape
    rows = np.asarray(rows, np.int64)
    width = min(width, k)
    chunks = []
    for start in range(0, len(rows), REFINE_CHUNK_ROWS):
        chunk = rows[start : start + REFINE_CHUNK_ROWS]
        own = indices[chunk].astype(np.int64)
        theirs = indices[own[:, :width], :width].reshape(len(chunk), -1)
        listed = np.concatenate([own, theirs.astype(np.int64)], axis=1)
        listed.sort(axis=1)
        unused = listed == chunk[:, None]
        unused[:, 1:] |= listed[:, 1:] == listed[:, :-1]
        listed[unused] = n
        # The unused places to the end, each row's frames still in order.
        listed.sort(axis=1)
        used = int((listed < n).sum(axis=1).max(initial=0))
        chunks.append(listed[:, :used].astype(np.int32))
    widest = max((chunk.shape[1] for chunk in chunks), default=0)
    candidates = np.full((len(rows), widest), n, np.int32)
    start = 0
    for chunk in chunks:
        candidates[start : start + len(chunk), : chunk.shape[1]] = chunk
        start += len(chunk)
    return candidates


def held_share(indices, rows, truth):
    """The share of ``rows``' true nearest ``truth`` ``(S, k)`` that the graph
    ``indices`` holds (1 without any)."""
    if truth.size == 0:
        return 1.0
    held = [len(np.intersect1d(true, indices[row])) for row, true in zip(rows, truth)]
    return float(np.sum(held) / truth.size)


def kept_share(before, after):
    """The share of the neighbours ``after`` ``(R, k)`` that ``before`` held
    in the same row (1 without any)."""
    if after.size == 0:
        return 1.0
    # Row and frame as one number each, so that one sorted search answers all.
    stride = np.int64(max(before.max(initial=0), after.max(initial=0)) + 1)
    place = np.arange(len(after), dtype=np.int64)[:, None] * stride
    # A graph's row lists each frame once.
    return float(np.isin(after + place, before + place, assume_unique=True).mean())
