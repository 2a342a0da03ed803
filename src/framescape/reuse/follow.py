"""Following one offset between two tracks of windows (:func:`follow_around`):
each window compared with its partner at that offset (:func:`best_partners`),
runs of matching windows bridged over short gaps, each run kept as a
:class:`Match` when it lasts long enough and matches clearly better at that
offset than a little beside it. :mod:`framescape.reuse.stretches` chooses the
offsets."""

from typing import NamedTuple

import numpy as np

MATCH_SIMILARITY = 0.75
# A window at a stretch's edge partly holds other footage and matches less:
# the one just before and the one just after a stretch join it if at least
# this similar.
EDGE_SIMILARITY = 0.6
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
    """One movie's frames as :func:`follow_around` follows them.

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
    open_end = may_go_on(x, runs, gap, offset, same_movie)
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


def may_go_on(x, runs, gap, offset, same_movie):
    """Whether a run of matching frames (``runs``, places in track ``x``, a
    part of its movie) may go on past an edge of the part and still give a
    stretch. Inside one movie, a run as long as the ``offset`` already is
    footage moving in cycles (cut where its copy starts, it leaves no time
    between them), however far it goes: following such a run to the ends of a
    long looping movie, offset after offset, took hours."""
    if not runs:
        return False

    def cycles(run):
        return same_movie and x.times[run[-1]] - x.times[run[0]] >= abs(offset)

    return bool(
        (
            x.times[runs[0][0]] - x.times[0] <= gap
            and x.times[0] > x.begin
            and not cycles(runs[0])
        )
        or (
            x.times[-1] - x.times[runs[-1][-1]] <= gap
            and x.times[-1] < x.end - max(x.span, x.hop) - 1e-9
            and not cycles(runs[-1])
        )
    )


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


class Match(NamedTuple):
    """Where the frames of one track keep matching another's ``offset`` s
    later (:func:`follow`): ``start`` … ``end`` (s) in the first, ``score``."""

    start: float
    end: float
    offset: float
    score: float
