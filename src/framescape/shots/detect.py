"""Where shots begin (:func:`find_transitions`): cuts, and dissolves, fades and
wipes as spans, from the distance band of :mod:`framescape.shots.band`.

- A **cut** is a step between two frames that stands out from every other
  step within 3 frames of it (a pan, a shake or something crossing the
  picture moves it a lot for several frames running), after which the picture
  of just before does not come back within ``return_seconds`` (a flash, a
  jolt).
- A **gradual** transition is a span whose ends are far apart while, at the
  same distance in frames, the pictures before it and after it are close (the
  novelty of the band at that scale): the span is then narrowed to its mixed
  frames by how far each frame has moved from the old picture towards the new
  one, and named by how it mixes them: a **fade** passes a black or white
  frame, a **dissolve** is a blend of the two, a **wipe** shows each part of
  the picture as either; other spans are **gradual**. A span explained by
  neither (a pan that starts and stops) is no transition.

Work goes in windows of frames with a margin, so memory does not grow with the
movie's length."""

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import maximum_filter, maximum_filter1d

from framescape.shots.band import distance_band, frame_vectors

WINDOW_FRAMES = 8192
# A cut's step stands out from the steps this many frames either side of it.
ISOLATION = 3
# A span is a dissolve (or a wipe) when it is this much closer to a blend (a
# per-pixel choice) of its ends than to the other; else a gradual transition,
# held to a residual UNCLEAR times as strict.
CLEARLY = 0.75
UNCLEAR = 1.25


@dataclass(frozen=True)
class Settings:
    """What the detector compares against; the defaults are measured on
    benchmarks/shots.py (docs/shots.md)."""

    # A cut's step is at least this (0–1) and this many times any other step
    # within ISOLATION frames of it.
    cut_distance: float = 0.045
    cut_ratio: float = 2.0
    # A picture that comes back within this time was not cut away from.
    return_seconds: float = 0.7
    # ... and what "comes back" means: closer than this share of how far the
    # picture went.
    return_share: float = 0.3
    # Gradual transitions of this long (their mixed frames) and up to this
    # long, whose ends are at least this far apart.
    min_gradual_seconds: float = 0.2
    max_gradual_seconds: float = 2.5
    gradual_distance: float = 0.1
    # A span is a blend or a wipe when its frames differ from one by at most
    # this share of the distance of its ends.
    mix_residual: float = 0.25


DEFAULTS = Settings()


@dataclass(frozen=True)
class Transition:
    """How a shot begins: ``kind`` (``cut``, ``dissolve``, ``fade``, ``wipe``,
    ``gradual``), its first mixed frame and the first frame of the new shot
    alone (equal for a cut)."""

    kind: str
    first_mixed: int
    first_new: int


def window_bounds(frames, window, margin):
    """``(start, stop, core_start, core_stop)`` of each window: transitions are
    looked for in ``start:stop`` and kept when they begin in the core."""
    for core_start in range(0, max(frames, 1), window):
        core_stop = min(frames, core_start + window)
        yield (
            max(0, core_start - margin),
            min(frames, core_stop + margin),
            core_start,
            core_stop,
        )


def find_transitions(features, fps, settings=DEFAULTS):
    """The transitions of a movie's :class:`~framescape.shots.features.FrameFeatures`
    at ``fps`` (its own rate), in order, none overlapping."""
    frames = len(features)
    lags = max(4, int(np.ceil(settings.max_gradual_seconds * fps)) + 2)
    margin = 3 * lags
    found = []
    for start, stop, core_start, core_stop in window_bounds(
        frames, WINDOW_FRAMES, margin
    ):
        vectors = frame_vectors(features, slice(start, stop))
        band = distance_band(vectors, 2 * lags)
        window = window_transitions(vectors, band, fps, settings, lags)
        found += [
            Transition(t.kind, t.first_mixed + start, t.first_new + start)
            for t in window
            if core_start <= t.first_new + start < core_stop
        ]
    return without_overlaps(found)


def window_transitions(vectors, band, fps, settings, lags):
    """Transitions of one window (frame numbers within it): fades first, then
    the cuts outside them, then the gradual spans that overlap neither (a cut
    whose step is small beside a span's change is part of that span)."""
    fades = [
        fade
        for fade in find_fades(vectors[0], lags)
        if not transient(band, fade, fps, settings)
    ]
    cuts = [
        cut
        for cut in find_cuts(band, fps, settings)
        if not any(f.first_mixed <= cut <= f.first_new for f in fades)
    ]
    graduals, absorbed = find_graduals(vectors, band, fps, settings, lags, cuts, fades)
    graduals = joined(vectors, graduals, settings, lags)
    cuts = [Transition("cut", cut, cut) for cut in cuts if cut not in absorbed]
    return without_overlaps(fades + cuts + graduals)


def joined(vectors, graduals, settings, lags):
    """``graduals`` (in order), two in a row made one where the frames from
    the first's start to the second's end are one blend or wipe themselves: a
    long dissolve between moving shots can be found as two spans."""
    kept = []
    for transition in graduals:
        if kept and transition.first_new - kept[-1].first_mixed <= lags:
            first, last = kept[-1].first_mixed - 1, transition.first_new
            union = gradual_span(vectors, first, last, settings)
            between = range(kept[-1].first_new, transition.first_mixed)
            if union is not None and all(
                mix_residual(vectors[0], first, last, frame) <= settings.mix_residual
                for frame in between
            ):
                kept[-1] = Transition(
                    union.kind, kept[-1].first_mixed, transition.first_new
                )
                continue
        kept.append(transition)
    return kept


def mix_residual(thumbs, first, last, frame):
    """How far ``frame`` is from the nearest blend of frames ``first`` and
    ``last`` and from the nearest per-pixel choice of them (the smaller),
    over the distance of the two."""
    old, new, picture = thumbs[first], thumbs[last], thumbs[frame]
    towards = new - old
    reach = float(np.abs(towards).sum())
    if reach == 0.0:
        return np.inf
    share = float(np.clip((picture - old) @ towards / (towards @ towards), 0, 1))
    blend = np.abs(picture - old - share * towards).sum()
    wipe = np.minimum(np.abs(picture - old), np.abs(picture - new)).sum()
    return min(blend, wipe) / reach


def steps(band):
    """``steps[b]``: the distance from frame ``b - 1`` to frame ``b`` (0 for
    the first frame)."""
    return np.concatenate([[0.0], np.nan_to_num(band[:-1, 0])]).astype(np.float32)


def find_cuts(band, fps, settings):
    """Frames where a cut begins a shot."""
    step = steps(band)
    # The largest step within ISOLATION frames either side, the step itself
    # left out: a pan, a shake or an object crossing moves the picture a lot
    # for several frames running, a cut in one.
    footprint = np.ones(2 * ISOLATION + 1, bool)
    footprint[ISOLATION] = False
    around = maximum_filter(step, footprint=footprint, mode="constant")
    candidates = np.flatnonzero(
        (step >= settings.cut_distance) & (step >= settings.cut_ratio * around)
    )
    return [
        int(b)
        for b in candidates
        if not transient(band, Transition("cut", int(b), int(b)), fps, settings)
    ]


def comes_back(band, before, after, reach, close):
    """Whether frame ``before`` or the one before it and a frame at most
    ``reach`` frames after frame ``after`` (or it), at most the band's width
    apart, are closer than ``close``: the picture of just before the change is
    there again after it. (Not any earlier frame: in a shot of little motion,
    some frame of a second before may look like one after a jump cut.)"""
    width = band.shape[1]
    for first in range(before, max(-1, before - 2), -1):
        lags = np.arange(after - first, after - first + reach + 1)
        lags = lags[(lags >= 1) & (lags <= width)]
        if lags.size and np.nanmin(band[first, lags - 1]) < close:
            return True
    return False


def lasting(band, transition, frames):
    """Whether the new picture of a gradual ``transition`` stays for the
    ``frames`` after it: it moves less in them than half its change (an object
    crossing the lens covers the picture and uncovers it again at once)."""
    before, after = transition.first_mixed - 1, transition.first_new
    lag = after - before
    if lag > band.shape[1] or after + 1 >= len(band):
        return True
    change = band[before, lag - 1]
    return bool(np.nanmax(band[after, :frames]) < 0.5 * change)


def transient(band, transition, fps, settings):
    """Whether ``transition`` is a flash, something passing the lens or a jolt:
    the picture comes back within ``return_seconds``."""
    before, after = transition.first_mixed - 1, transition.first_new
    if before < 0 or after - before > band.shape[1]:
        return False
    # How far the picture went: a flash's ends are alike, its middle is not.
    change = np.nanmax(band[before, : after - before])
    reach = max(2, round(settings.return_seconds * fps))
    return comes_back(band, before, after, reach, settings.return_share * change)


def scales(fps, lags):
    """The span lengths (frames) the gradual search tries: from about 0.2 s to
    the longest, each about 1.4 times the last."""
    found, length = [], max(3, round(0.2 * fps))
    while length < lags:
        found.append(length)
        length = max(length + 1, round(length * 1.4))
    return found + [lags]


def novelty(band, length):
    """``(n,)``: for a span from frame ``i`` to ``i + length``, how much farther
    apart its ends are than the frames as far apart before it and after it."""
    n = len(band)
    before = np.full(n, np.nan, np.float32)
    after = np.full(n, np.nan, np.float32)
    if length < n:
        before[length:] = band[:-length, length - 1]
        after[: n - length] = band[length:, length - 1]
    return np.nan_to_num(band[:, length - 1] - np.fmax(before, after), nan=0.0)


def find_graduals(vectors, band, fps, settings, lags, cuts, fades):
    """Gradual transitions: the best-scoring spans of every scale, those
    overlapping a better one or a fade dropped, each narrowed and named by
    :func:`gradual_span`; and the cuts found to be steps inside one."""
    step = steps(band)
    shortest = max(2, round(settings.min_gradual_seconds * fps))
    candidates = []
    for length in scales(fps, lags):
        if length >= len(band):  # a movie shorter than the span
            break
        score = novelty(band, length)
        peak = maximum_filter1d(score, size=2 * length + 1, mode="nearest")
        across = np.nan_to_num(band[:, length - 1], nan=0.0)
        for i in np.flatnonzero(
            (score == peak) & (score > 0) & (across >= settings.gradual_distance)
        ):
            candidates.append((float(score[i]), int(i), int(i) + length))
    candidates.sort(reverse=True)
    taken, graduals, absorbed = [], [], set()
    for _, first, last in candidates:
        if any(first < t_last and t_first < last for t_first, t_last in taken):
            continue
        if any(first < f.first_new and f.first_mixed < last for f in fades):
            continue
        inside = [cut for cut in cuts if first < cut <= last]
        across = float(band[first, last - first - 1])
        if any(step[cut] >= 0.5 * across for cut in inside):
            continue
        found = gradual_span(vectors, first, last, settings)
        if (
            found is None
            or found.first_new - found.first_mixed < shortest
            or transient(band, found, fps, settings)
            or not lasting(band, found, shortest)
        ):
            continue
        taken.append((first, last))
        graduals.append(found)
        absorbed.update(inside)
    return sorted(graduals, key=lambda t: t.first_mixed), absorbed


# A frame this flat (standard deviation of its thumbnail, 0–255) and this dark
# or bright is the black or white a fade passes through; a fade's frames move
# towards it by more than FADE_STEP grey levels a frame.
FLAT_DEVIATION = 12.0
DARK, BRIGHT = 40.0, 215.0
FADE_STEP = 0.5


def flat_frames(thumbs):
    """Which rows of ``(n, 432)`` thumbnails (0–1 scaled, see frame_vectors)
    are black or white."""
    pixels = thumbs * 255.0 * thumbs.shape[1]
    mean, deviation = pixels.mean(axis=1), pixels.std(axis=1)
    return (deviation < FLAT_DEVIATION) & ((mean < DARK) | (mean > BRIGHT))


def gradual_span(vectors, first, last, settings):
    """The :class:`Transition` between frame ``first`` (the old shot) and frame
    ``last`` (the new one), narrowed to its mixed frames, or ``None`` when the
    frames between are neither a blend nor a wipe of the two."""
    thumbs = vectors[0]
    old, new = thumbs[first], thumbs[last]
    span = thumbs[first : last + 1]
    towards = new - old
    reach = float(np.abs(towards).sum())
    if reach == 0.0:
        return None
    share = ((span - old) @ towards) / float(towards @ towards)
    mixed = np.flatnonzero(share > 0.1)
    done = np.flatnonzero(share >= 0.9)
    middle = np.flatnonzero((share >= 0.2) & (share <= 0.8))
    if not mixed.size or not done.size or not middle.size:
        return None
    first_mixed, first_new = int(mixed[0]), int(done[0])
    if first_new <= first_mixed:
        return None
    frames = span[middle]
    blend = old + share[middle, None] * towards
    blend_residual = np.abs(frames - blend).sum(axis=1).mean() / reach
    wipe_residual = (
        np.minimum(np.abs(frames - old), np.abs(frames - new)).sum(axis=1).mean()
        / reach
    )
    if blend_residual <= CLEARLY * wipe_residual:
        kind, residual = "dissolve", blend_residual
    elif wipe_residual <= CLEARLY * blend_residual:
        kind, residual = "wipe", wipe_residual
    else:
        # Neither clearly: a pan revealing a new view is that too, so the
        # frames must be closer to one of the two.
        kind, residual = "gradual", UNCLEAR * min(blend_residual, wipe_residual)
    if residual > settings.mix_residual:
        return None
    return Transition(kind, first + first_mixed, first + first_new)


def find_fades(thumbs, lags):
    """Fades through black or white: each run of flat frames widened to the
    frames whose brightness moves steadily towards it and away from it, at
    most ``lags`` frames on either side. A run at the movie's (window's) very
    start or end is an opening or an ending, not a transition."""
    flat = flat_frames(thumbs)
    level = thumbs.sum(axis=1) * 255.0  # mean grey level, 0–255
    fades = []
    for run_start, run_stop in runs(flat):
        if run_start == 0 or run_stop == len(thumbs):
            continue
        target = level[run_start:run_stop].mean()
        first_mixed = run_start
        # Frame t - 1 is mixed too when the frame before it is farther still.
        while (
            first_mixed - 2 >= max(0, run_start - lags)
            and abs(level[first_mixed - 2] - target)
            > abs(level[first_mixed - 1] - target) + FADE_STEP
        ):
            first_mixed -= 1
        first_new = run_stop
        while (
            first_new < min(len(thumbs) - 1, run_stop + lags)
            and abs(level[first_new + 1] - target)
            > abs(level[first_new] - target) + FADE_STEP
        ):
            first_new += 1
        fades.append(Transition("fade", first_mixed, first_new))
    return without_overlaps(fades)


def runs(mask):
    """``(start, stop)`` of each run of true values in ``mask``."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def without_overlaps(transitions):
    """``transitions`` in order, each beginning after the one before ends, so
    that every shot has a frame of its own (the first shot too)."""
    kept = []
    for transition in sorted(transitions, key=lambda t: (t.first_mixed, t.first_new)):
        previous_end = kept[-1].first_new if kept else 0
        if transition.first_mixed <= previous_end:
            continue
        kept.append(transition)
    return kept
