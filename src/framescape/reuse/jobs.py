"""Rule ``reuse``'s step: every movie's window descriptors one after the other,
their pairs alike, the stretches found in two places, and ``reuse.tsv``
(:func:`reuse_step`)."""



import numba
import numpy as np

from framescape.common import FramescapeError, Progress, log, save_tsv
from framescape.reuse.matching import region_similarity, similar_pairs
from framescape.reuse.stretches import MIN_SCORE, find_stretches

TSV_HEADER = ("movie_a", "start_a", "end_a", "movie_b", "start_b", "end_b", "score")


def load_descriptors(paths):
    """All movies' descriptors one after the other: ``vectors`` (N, D),
    ``movie`` (N,) movie number (the order of ``paths``), ``time`` (N,) s,
    ``step`` (movies,) each movie's interval (s) and ``parts`` (the parts of
    a descriptor, the same for all)."""
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
    return (
        np.concatenate(vectors),
        np.concatenate(movie),
        np.concatenate(time),
        np.asarray(step),
        parts.pop(),
    )


def tsv_rows(stretches, movies):
    """``reuse.tsv`` rows from :func:`find_stretches`' stretches: movie ids
    (``movies[number]``), the two places in id order (a repeat inside one
    movie: earlier first), times with 3 decimals, score with 3."""
    rows = []
    for ma, sa, ea, mb, sb, eb, score in stretches:
        a, b = (movies[ma], sa, ea), (movies[mb], sb, eb)
        if (b[0], b[1]) < (a[0], a[1]):
            a, b = b, a
        rows.append(
            [
                a[0],
                f"{a[1]:.3f}",
                f"{a[2]:.3f}",
                b[0],
                f"{b[1]:.3f}",
                f"{b[2]:.3f}",
                f"{min(max(score, 0.0), 1.0):.3f}",
            ]
        )
    return rows


def reuse_step(descriptor_npzs, movies, min_seconds, output, threads=1):
    """Rule ``reuse``: ``reuse.tsv`` of every movie's descriptors
    (``descriptor_npzs``, in the order of ``movies``, their ids); the header
    alone when nothing repeats (or there are no movies)."""
    if not movies:
        save_tsv(output, TSV_HEADER, [])
        log.info("no movies")
        return []
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    vectors, movie, time, step, parts = load_descriptors(descriptor_npzs)
    log.info("%d windows of %d movies", len(vectors), len(movies))
    # Every other window of each movie against all.
    first = np.searchsorted(movie, movie)
    pairs = similar_pairs(
        vectors,
        movie,
        time,
        min_seconds,
        rows=np.flatnonzero((np.arange(len(movie)) - first) % 2 == 0),
        progress=Progress("similar windows"),
    )
    log.info("%d pairs of windows alike", len(pairs))

    def similarity(i, j):
        return region_similarity(vectors, parts, i, j)

    stretches = find_stretches(
        pairs,
        similarity,
        movie,
        time,
        step,
        min_seconds,
        span=step,
        described=vectors.any(axis=1),
        min_score=MIN_SCORE,
    )
    rows = tsv_rows(stretches, list(movies))
    save_tsv(output, TSV_HEADER, rows)
    log.info("%d stretches found in two places", len(rows))
    return rows
