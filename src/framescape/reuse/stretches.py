"""Stretches from pairs of windows alike (:func:`find_stretches`): the pairs vote
for a time offset between two movies; each offset with enough votes is followed
along both movies, window by window, while the windows keep matching at it, and
kept when it lasts at least ``min_seconds`` and matches clearly better at that
offset than a little beside it; each stretch once, the best first
(:func:`distinct_stretches`)."""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from framescape.common import Progress
from framescape.reuse.follow import GAP, SHIFT, Match, follow_around, movie_tracks

# A stretch's score, its windows' mean similarity (the gaps it bridges
# included), is at least this: footage that only looks alike (the demo's days
# of one season) matches in patches and scored at most 0.79; copies under
# combined edits scored at least 0.81 in benchmarks/reuse.py.
MIN_SCORE = 0.8


class Stretch(NamedTuple):
    """Footage found in two places: ``start_a`` … ``end_a`` (s) of movie
    number ``movie_a`` again at ``start_b`` … ``end_b`` of ``movie_b``;
    ``score``, its windows' mean similarity."""

    movie_a: int
    start_a: float
    end_a: float
    movie_b: int
    start_b: float
    end_b: float
    score: float


class Votes(NamedTuple):
    """Frame pairs that look alike, grouped by the time offset they vote for
    (:func:`offset_votes`).

    ``groups`` ``(G, 3)`` each group's ``(movie_a, movie_b, offset in
    sampling intervals)``, ``counts`` ``(G,)`` its votes; group ``g``'s pairs
    are ``order[starts[g]:starts[g + 1]]``, each with its ``offsets`` (s, from
    movie_a to movie_b), ``width`` (the larger sampling interval, s) and
    ``times`` (s, in movie_a).
    """

    groups: np.ndarray
    counts: np.ndarray
    order: np.ndarray
    starts: np.ndarray
    offsets: np.ndarray
    width: np.ndarray
    times: np.ndarray


class Search(NamedTuple):
    """What following the votes needs: :func:`find_stretches`' ``similarity``,
    ``step``, ``min_seconds``, ``min_votes`` and ``min_score``, and each
    movie's :class:`Track` (``tracks``)."""

    similarity: Callable
    tracks: dict
    step: np.ndarray
    min_seconds: float
    min_votes: int
    min_score: float


def find_stretches(
    candidates,
    similarity,
    movie,
    time,
    step,
    min_seconds,
    span=None,
    described=None,
    min_votes=2,
    min_score=0.0,
    progress=None,
):
    """Stretches of footage found in two places, from frame pairs that look
    alike (``progress(votes done, votes, "votes")``, by default a line every
    10 s).

    Pairs vote for a time offset between two movies (or two moments of one);
    each offset with at least ``min_votes`` votes close together in time is
    followed along both movies around them (:func:`follow_around`). Stretches of one pair of movies found twice at
    nearly the same offset are kept once, the better.

    Parameters
    ----------
    candidates : (M, 2) int
        Frame index pairs that look alike (indices into ``movie``/``time``).
    similarity : callable
        ``similarity(i, j)`` for equal-length index arrays: a float array in
        [0, 1] (1 = the same picture).
    movie : (N,) int
        Each frame's movie number.
    time : (N,) float
        Each frame's time in its movie (s).
    step : (movies,) float
        Each movie's sampling interval (s): the tolerance of an offset.
    min_seconds : float
        The shortest stretch reported.
    span : (movies,) float, optional
        The time each movie's frames stand for (s): their windows' length
        for window means; 0 (the default) for single sampled frames.
    described : (N,) bool, optional
        Whether each frame has a descriptor (default: all).
    min_votes : int
        The fewest frames of movie_a voting for an offset at one place.
    min_score : float
        The lowest score (mean similarity) of a stretch reported.

    Returns
    -------
    list of Stretch
        Movie numbers ``movie_a <= movie_b`` (``start_a < start_b`` within
        one movie), best score first.
    """
    movie, time, step = (
        np.asarray(movie),
        np.asarray(time, float),
        np.asarray(step, float),
    )
    span = np.zeros(len(step)) if span is None else np.asarray(span, float)
    if described is None:
        described = np.ones(len(movie), dtype=bool)
    if len(candidates) == 0:
        return []
    votes = offset_votes(candidates, movie, time, step, min_seconds)
    tracks = movie_tracks(movie, time, step, span, np.asarray(described))
    search = Search(similarity, tracks, step, min_seconds, min_votes, min_score)
    stretches = [
        Stretch(
            x_movie,
            match.start,
            match.end,
            y_movie,
            match.start + match.offset,
            match.end + match.offset,
            match.score,
        )
        for (x_movie, y_movie), walked in follow_votes(
            votes, search, progress or Progress("stretches")
        ).items()
        for match in walked
    ]
    return distinct_stretches(stretches, step)


def offset_votes(candidates, movie, time, step, min_seconds):
    """The pairs of ``candidates`` as :class:`Votes`: each pair ordered
    (movie_a <= movie_b, earlier first within one movie), a pair of one movie
    less than ``min_seconds`` apart left out."""
    i, j = np.asarray(candidates).T
    swap = (movie[i] > movie[j]) | ((movie[i] == movie[j]) & (time[i] > time[j]))
    a, b = np.where(swap, j, i), np.where(swap, i, j)
    ma, mb = movie[a], movie[b]
    offsets = time[b] - time[a]
    width = np.maximum(step[ma], step[mb])
    keep = (ma != mb) | (offsets >= min_seconds)
    ma, mb, offsets, width = ma[keep], mb[keep], offsets[keep], width[keep]
    bucket = np.rint(offsets / width).astype(np.int64)
    groups, inverse, counts = np.unique(
        np.stack([ma, mb, bucket], axis=1),
        axis=0,
        return_inverse=True,
        return_counts=True,
    )
    return Votes(
        groups=groups,
        counts=counts,
        # Pairs grouped by (movie_a, movie_b, offset).
        order=np.argsort(inverse.ravel(), kind="stable"),
        starts=np.r_[0, np.cumsum(counts)],
        offsets=offsets,
        width=width,
        times=time[a[keep]],
    )


def follow_votes(votes, search, progress):
    """Every offset of at least ``search.min_votes`` votes followed, the most
    voted first: ``{(movie_a, movie_b): [Match in movie_a]}``; ``progress`` as
    :func:`find_stretches`'."""
    found = {}
    voted = int((votes.counts >= search.min_votes).sum())
    most_voted = np.argsort(-votes.counts, kind="stable")[:voted]
    # Progress counted in votes: the offsets with the most votes come first
    # and take longest (their stretches are long), the many small ones last.
    votes_before = np.r_[0, np.cumsum(votes.counts[most_voted])]
    for done, g in enumerate(most_voted):
        progress(int(votes_before[done]), int(votes_before[-1]), "votes")
        x_movie, y_movie, _ = (int(v) for v in votes.groups[g])
        members = votes.order[votes.starts[g] : votes.starts[g + 1]]
        seen = found.setdefault((x_movie, y_movie), [])
        follow_group(votes, members, x_movie, y_movie, seen, search)
    return found


def follow_group(votes, members, x_movie, y_movie, seen, search):
    """Follow the votes ``members`` of one offset between two movies, place by
    place (votes far apart in time are separate places), adding what they
    find to ``seen``, the matches of these movies found so far (a place
    inside one of them is not followed again)."""
    w = float(votes.width[members[0]])
    members = members[np.argsort(votes.times[members], kind="stable")]
    apart = np.diff(votes.times[members]) > search.min_seconds + (GAP + 1) * w
    # The parts of movie_a already walked at this offset (s), stretch or not.
    walked = []
    for cluster in np.split(members, np.flatnonzero(apart) + 1):
        seeds = votes.times[cluster]
        # Votes of as many frames of movie_a (one frame voting twice,
        # for two neighbouring frames of movie_b, is one vote).
        if len(np.unique(seeds)) < search.min_votes:
            continue
        offset = float(np.median(votes.offsets[cluster]))
        if any(
            abs(offset - match.offset) <= nearby(w)
            and match.start <= seeds[0]
            and seeds[-1] < match.end
            for match in seen
        ):
            continue  # these votes lie inside a stretch already followed
        if any(start <= seeds[0] and seeds[-1] <= end for start, end in walked):
            # ... or inside a part walked for votes before them, which found
            # no stretch there: footage moving in cycles votes all along a
            # movie, in thousands of clusters a few seconds apart.
            continue
        found, part = follow_offset(search, x_movie, y_movie, offset, w, seeds)
        seen += found
        walked.append(part)


def follow_offset(search, x_movie, y_movie, offset, width, seeds):
    """:func:`follow_around` of movie ``x_movie`` against ``y_movie`` at
    ``offset`` around the times ``seeds`` (s in x): its matches, in x.

    It walks the movie sampled less often, so that its frames each find a
    partner. Also returns the part of x walked, ``(start, end)`` (s)."""
    x, y = search.tracks[x_movie], search.tracks[y_movie]
    if search.step[y_movie] > search.step[x_movie]:
        walked, (start, end) = follow_around(
            search.similarity,
            y,
            x,
            -offset,
            width,
            search.min_seconds,
            False,
            seeds + offset,
            search.min_score,
        )
        return [
            Match(m.start + m.offset, m.end + m.offset, -m.offset, m.score)
            for m in walked
        ], (start - offset, end - offset)
    return follow_around(
        search.similarity,
        x,
        y,
        offset,
        width,
        search.min_seconds,
        x_movie == y_movie,
        seeds,
        search.min_score,
    )


def nearby(width):
    """Offsets closer than this (s) to a stretch's are the same footage seen a
    little off: within the shift :func:`follow` compares with, plus one
    sampling interval (``width`` s)."""
    return max(SHIFT, width) + width


def distinct_stretches(stretches, step):
    """Best first, each stretch once: a stretch overlapping a better one of the
    same two movies at nearly the same offset (:func:`nearby`) is dropped."""
    kept, of_pair = [], {}
    for stretch in sorted(stretches, key=lambda s: -s.score):
        near = nearby(max(step[stretch.movie_a], step[stretch.movie_b]))
        same_pair = of_pair.setdefault((stretch.movie_a, stretch.movie_b), [])
        if not any(
            min(stretch.end_a, k.end_a) > max(stretch.start_a, k.start_a)
            and abs((stretch.start_b - stretch.start_a) - (k.start_b - k.start_a))
            <= near
            for k in same_pair
        ):
            kept.append(stretch)
            same_pair.append(stretch)
    return kept
