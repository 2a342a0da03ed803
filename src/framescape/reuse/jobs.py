"""Rule ``reuse``'s step: every movie's window descriptors one after the other,
their pairs alike (each against every other, or past ``reuse.index_windows``
the pairs the ``reuse_search`` jobs found, :mod:`framescape.reuse.search`), the
stretches found in two places, and ``reuse.tsv`` (:func:`reuse_step`)."""


from typing import NamedTuple

import numba
import numpy as np

from framescape.common import FramescapeError, Progress, log, save_tsv
from framescape.reuse.matching import RegionSimilarity, similar_pairs, unique_pairs
from framescape.reuse.parameters import search_blocks
from framescape.reuse.stretches import MIN_SCORE, find_stretches
from framescape.run.progress import watching
from framescape.threads import faiss_threads

TSV_HEADER = ("movie_a", "start_a", "end_a", "movie_b", "start_b", "end_b", "score")


class Descriptors(NamedTuple):
    """All movies' descriptors one after the other (:func:`load_descriptors`):
    ``vectors`` (N, D), ``movie`` (N,) movie number, ``time`` (N,) s, ``step``
    (movies,) each movie's interval (s) and ``parts`` (the parts of a
    descriptor, the same for all)."""

    vectors: np.ndarray
    movie: np.ndarray
    time: np.ndarray
    step: np.ndarray
    parts: int


def load_descriptors(paths):
    """All movies' :class:`Descriptors`, movie numbers in the order of
    ``paths``."""
    vectors, movie, time, step, parts = [], [], [], [], set()
    for number, path in enumerate(paths):
        with np.load(path) as data:
            vectors.append(data["vectors"])
            time.append(data["times"])
            step.append(float(data["interval"]))
            parts.add(int(data["parts"]))
        if len(time[-1]) != len(vectors[-1]):
            raise FramescapeError(
                f"{path}: {len(vectors[-1])} descriptors but {len(time[-1])} "
                "times: delete it and run again"
            )
        movie.append(np.full(len(vectors[-1]), number, dtype=np.int64))
    if len(parts) > 1:
        raise FramescapeError(
            f"descriptors of {len(parts)} layouts ({sorted(parts)} parts): delete "
            "results/*/reuse/ and run again"
        )
    return Descriptors(
        vectors=np.concatenate(vectors),
        movie=np.concatenate(movie),
        time=np.concatenate(time),
        step=np.asarray(step),
        parts=parts.pop(),
    )


def tsv_rows(stretches, movies):
    """``reuse.tsv`` rows from :func:`find_stretches`' stretches
    (:class:`framescape.reuse.stretches.Stretch`): movie ids
    (``movies[number]``), the two places in id order (a repeat inside one
    movie: earlier first), times with 3 decimals, score with 3."""
    rows = []
    for stretch in stretches:
        a = (movies[stretch.movie_a], stretch.start_a, stretch.end_a)
        b = (movies[stretch.movie_b], stretch.start_b, stretch.end_b)
        if (b[0], b[1]) < (a[0], a[1]):
            a, b = b, a
        (id_a, start_a, end_a), (id_b, start_b, end_b) = a, b
        rows.append(
            [
                id_a,
                f"{start_a:.3f}",
                f"{end_a:.3f}",
                id_b,
                f"{start_b:.3f}",
                f"{end_b:.3f}",
                f"{min(max(stretch.score, 0.0), 1.0):.3f}",
            ]
        )
    return rows


def pair_rows(movie):
    """The windows searched for pairs (``(R,) int64``): every other window of
    each movie (``movie``, each window's movie number, in movie order)."""
    first = np.searchsorted(movie, movie)
    return np.flatnonzero((np.arange(len(movie)) - first) % 2 == 0)


def searched_pairs(pair_npzs, found):
    """The pairs the ``reuse_search`` jobs found (``pair_npzs``, one a block),
    once each; an error unless their blocks are those of the windows of
    ``found`` (:class:`Descriptors`): none is left out unseen."""
    windows = np.bincount(found.movie, minlength=len(found.step)).tolist()
    if len(pair_npzs) != search_blocks(windows):
        raise FramescapeError(
            f"{len(pair_npzs)} searched blocks of pairs for {len(found.vectors):,} "
            f"windows, which make {search_blocks(windows)}: the descriptors "
            "changed while the run planned; run again"
        )
    blocks = []
    for path in pair_npzs:
        with np.load(path) as part:
            blocks.append(part["pairs"])
    return unique_pairs(blocks)


def write_stretches(found, pairs, movies, min_seconds, output):
    """The stretches that ``pairs`` of windows of ``found`` (:class:`Descriptors`)
    follow, at least ``min_seconds`` long, into ``output``, ``reuse.tsv``
    (:func:`tsv_rows`): its rows. ``found.vectors``' columns are reordered
    (:class:`RegionSimilarity`)."""
    described = found.vectors.any(axis=1)
    similarity = RegionSimilarity(found.vectors, found.parts)
    # A line every 10 s also while one offset, followed along a long movie,
    # takes longer.
    with watching("stretches") as watch:
        stretches = find_stretches(
            pairs,
            similarity,
            found.movie,
            found.time,
            found.step,
            min_seconds,
            span=found.step,
            described=described,
            min_score=MIN_SCORE,
            progress=watch,
        )
    rows = tsv_rows(stretches, list(movies))
    save_tsv(output, TSV_HEADER, rows)
    log.info("%d stretches found in two places", len(rows))
    return rows


def reuse_step(descriptor_npzs, movies, min_seconds, output, threads=1, pair_npzs=()):
    """Rule ``reuse``: ``reuse.tsv`` of every movie's descriptors
    (``descriptor_npzs``, in the order of ``movies``, their ids); the header
    alone when nothing repeats (or there are no movies). Its pairs: every
    other window of each movie against all, or past ``reuse.index_windows``
    those of the ``reuse_search`` jobs (``pair_npzs``, each a block's)."""
    if not movies:
        save_tsv(output, TSV_HEADER, [])
        log.info("no movies")
        return []
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    found = load_descriptors(descriptor_npzs)
    log.info("%d windows of %d movies", len(found.vectors), len(movies))
    if pair_npzs:
        pairs = searched_pairs(pair_npzs, found)
        log.info("%d blocks searched through the index", len(pair_npzs))
    else:
        log.info("similar windows: each against every other")
        faiss_threads(threads)
        pairs = similar_pairs(
            found.vectors,
            found.movie,
            found.time,
            min_seconds,
            rows=pair_rows(found.movie),
            progress=Progress("similar windows"),
        )
    log.info("%d pairs of windows alike", len(pairs))
    return write_stretches(found, pairs, movies, min_seconds, output)
