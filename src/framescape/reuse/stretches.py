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

MATCH_SIMILARITY = 0.75
# A window at a stretch's edge partly holds other footage and matches less:
# the one just before and the one just after a stretch join it if at least
# this similar.
EDGE_SIMILARITY = 0.6
# A stretch's score, its windows' mean similarity (the gaps it bridges
# included), is at least this: footage that only looks alike (the demo's days
# of one season) matches in patches and scored at most 0.79; copies under
# combined edits scored at least 0.81 in benchmarks/reuse.py.
MIN_SCORE = 0.8
# A stretch bridges frames that do not match (a flash, a passing caption, a
# frame without a descriptor) while its matching frames are at most GAP + 1
# sampling intervals apart.
GAP = 2
# At its offset, at least DISTINCT_SHARE of a stretch's samples must match
# better by DISTINCT than at the offset SHIFT seconds (or one sampling
# interval, when longer) either way (a still picture matches as well
# everywhere: no offset). Samples whose partners there have no descriptor
# tell nothing and are left out.
SHIFT = 2.0
DISTINCT = 0.04
DISTINCT_SHARE = 0.5


class Track(NamedTuple):
    """One movie's frames as :func:`find_stretches` follows them.

    ``frames`` their indices in time order, ``times`` their times (s),
    ``hop`` the usual time between two (s), ``span`` the time each one's
    picture stands for (s: 0 for a single sampled frame, the window's length
    for a window's mean), ``begin`` and ``end`` where the movie's first
    frame's time starts and its last one's ends (s, also for a part of it),
    ``described`` whether each has a descriptor (can match at all).
    """

    frames: np.ndarray
    times: np.ndarray
    hop: float
    span: float
    begin: float
    end: float
    described: np.ndarray


def movie_tracks(movie, time, step, span, described):
    """``{movie number: Track}``."""
    order = np.lexsort((time, movie))
    numbers, starts = np.unique(movie[order], return_index=True)
    tracks = {}
    for number, frames in zip(numbers.tolist(), np.split(order, starts[1:])):
        times = time[frames]
        hop = float(np.median(np.diff(times))) if len(times) > 1 else step[number]
        end = times[-1] + max(span[number], hop)
        tracks[number] = Track(
            frames, times, hop, float(span[number]), times[0], end, described[frames]
        )
    return tracks


def best_partners(similarity, x, y, targets, width, reach=1):
    """For each frame of track ``x`` and each row of ``targets`` (``(T,
    len(x))`` times in ``y``, s), the most similar of the frames of track
    ``y`` nearest the target (the nearest and ``reach`` either side of it)
    within ``width`` seconds of it: their similarity (0 where none) and their
    place in ``y`` (-1 where none), each ``(T, len(x))``. One call of
    ``similarity`` for all."""
    times = y.times
    nearest = np.clip(np.searchsorted(times, targets), 0, len(times) - 1)
    step_back = (nearest > 0) & (
        np.abs(times[nearest - 1] - targets) < np.abs(times[nearest] - targets)
    )
    nearest = nearest - step_back
    # (shifts, T, len(x)) candidate places.
    places = np.clip(
        nearest[None] + np.arange(-reach, reach + 1)[:, None, None], 0, len(times) - 1
    )
    near = np.abs(times[places] - targets[None]) <= width
    frames = np.broadcast_to(x.frames, places.shape)
    similar = np.full(places.shape, -np.inf)
    similar[near] = similarity(frames[near], y.frames[places[near]])
    best = similar.argmax(axis=0)
    chosen = np.take_along_axis(similar, best[None], axis=0)[0]
    place = np.take_along_axis(places, best[None], axis=0)[0]
    return np.maximum(chosen, 0.0), np.where(chosen > -np.inf, place, -1)


def follow(similarity, x, y, offset, width, min_seconds, same_movie, min_score=0.0):
    """Stretches where the frames of track ``x`` keep matching those of track
    ``y`` ``offset`` seconds later: a :class:`Match` each (in ``x``),
    ``offset`` refined to the matched frames' mean.

    Its ends: :func:`stretch_ends`, inside one movie cut to end where its
    copy starts. Also returns whether a run of matching frames reaches an
    edge of ``x`` that is not its movie's (it may go on past it).
    """
    # The offset the votes gave may be off by a frame: the best of three
    # frames around it gives the one the frames agree on, along which each
    # frame is then compared with its nearest only (its neighbours would
    # stretch the ends).
    (matched,), (place,) = best_partners(
        similarity, x, y, (x.times + offset)[None], width
    )
    agreed = matched >= MATCH_SIMILARITY
    if not agreed.any():
        return [], False
    offset = float(np.median(y.times[place[agreed]] - x.times[agreed]))
    (matched,), (place,) = best_partners(
        similarity, x, y, (x.times + offset)[None], width, reach=0
    )
    when = np.where(place >= 0, y.times[place], np.nan)
    apart = max(SHIFT, width)
    beside, there = best_partners(
        similarity,
        x,
        y,
        x.times + offset + np.array([[-apart], [apart]]),
        width,
        reach=0,
    )
    # Partners without a descriptor (or none at all) tell nothing.
    telling = ((there >= 0) & y.described[there]).all(axis=0)
    hits = np.flatnonzero(matched >= MATCH_SIMILARITY)
    gap = (GAP + 1) * width
    breaks = np.flatnonzero(np.diff(x.times[hits]) > gap + 1e-6)
    runs = np.split(hits, breaks + 1) if len(hits) else []
    # Whether a run of matching frames may go on past the edges of x's part
    # and still give a stretch: inside one movie, a run as long as the offset
    # already is footage moving in cycles (cut where its copy starts, below,
    # it leaves no time between them), however far it goes. Following such a
    # run to the ends of a long looping movie, offset after offset, took hours.
    open_end = len(runs) > 0 and (
        (
            x.times[runs[0][0]] - x.times[0] <= gap
            and x.times[0] > x.begin
            and not (same_movie and spans(x, runs[0]) >= abs(offset))
        )
        or (
            x.times[-1] - x.times[runs[-1][-1]] <= gap
            and x.times[-1] < x.end - max(x.span, x.hop) - 1e-9
            and not (same_movie and spans(x, runs[-1]) >= abs(offset))
        )
    )
    found = []
    for run in runs:
        # A window that straddles the footage's cut matches less: the one
        # just before and the one just after the run belong to the stretch
        # if at least EDGE_SIMILARITY. They count in its score too: footage
        # that only looks alike matches in short patches, which they would
        # otherwise lengthen to min_seconds at a high score (the demo's days
        # of one season: up to 0.84 then, at most 0.79 with them).
        first, last = run[0], run[-1]
        if first > 0 and matched[first - 1] >= EDGE_SIMILARITY:
            first -= 1
        if last + 1 < len(matched) and matched[last + 1] >= EDGE_SIMILARITY:
            last += 1
        span = slice(first, last + 1)
        score = matched[span].mean()
        if score < min_score:
            continue
        ahead = matched[span] - np.maximum(beside[0][span], beside[1][span])
        told = telling[span]
        if not told.any() or np.mean(ahead[told] >= DISTINCT) < DISTINCT_SHARE:
            continue
        shift = float(np.mean(when[run] - x.times[run]))
        start, end = stretch_ends(x, y, first, last, place, shift)
        if same_movie:
            end = min(end, start + shift)
            # Footage that comes back soon after it ends is most often one
            # shot moving in cycles (a wheel, waves, a test pattern): a repeat
            # inside one movie needs min_seconds between its two places.
            if start + shift - end < min_seconds - 1e-6:
                continue
        if end - start >= min_seconds - 1e-6:
            found.append(Match(start, end, shift, score))
    return found, open_end


def spans(x, run):
    """Seconds from the first to the last of frames ``run`` of track ``x``."""
    return float(x.times[run[-1]] - x.times[run[0]])


def stretch_ends(x, y, first, last, place, shift):
    """Where a stretch of x's frames ``first`` … ``last`` (matching y's frames
    ``place``, ``shift`` s later) starts and ends in x (s).

    Between its first (last) frame and the one before (after) it, in the
    middle of where it can be, taking the frames ``first`` … ``last`` to be at
    least half inside the footage and those beyond them less; at a movie's
    first or last frame, where that frame's time starts or ends. (:func:`follow`
    counts a window that straddles a cut among them when it matches at least
    EDGE_SIMILARITY.)
    """
    start = x.times[first] + (x.span - x.hop) / 2
    if x.times[first] <= x.begin:
        start = x.begin
    if place[first] == 0:
        start = min(start, y.begin - shift)
    end = x.times[last] + (x.span + x.hop) / 2
    if x.times[last] + max(x.span, x.hop) >= x.end - 1e-9:
        end = x.end
    if place[last] == len(y.times) - 1:
        end = max(end, y.end - shift)
    return max(start, x.begin, y.begin - shift), min(end, x.end, y.end - shift)


def follow_around(
    similarity, x, y, offset, width, min_seconds, same_movie, seeds, min_score=0.0
):
    """:func:`follow` over the part of track ``x`` around the times ``seeds``
    (s), widened while a run of matching frames reaches its edge: its matches
    and the part walked, ``(start, end)`` (s)."""
    margin = max(min_seconds, (GAP + 2) * width)
    while True:
        inside = (x.times >= seeds.min() - margin) & (x.times <= seeds.max() + margin)
        part = x._replace(
            frames=x.frames[inside],
            times=x.times[inside],
            described=x.described[inside],
        )
        walked, open_end = follow(
            similarity, part, y, offset, width, min_seconds, same_movie, min_score
        )
        if not open_end:
            return walked, (float(part.times[0]), float(part.times[-1]))
        margin *= 4


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


class Match(NamedTuple):
    """Where the frames of one track keep matching another's ``offset`` s
    later (:func:`follow`): ``start`` … ``end`` (s) in the first, ``score``."""

    start: float
    end: float
    offset: float
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
