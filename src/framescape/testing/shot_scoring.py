"""An edited movie's true shots (:class:`Truth`, made by
:mod:`framescape.testing.edits`) and found shots scored against them, TRECVID's
way (:func:`score_movie`, :func:`group_pairs`).

A transition spans the boundaries from the one before its first mixed frame
to the one before the first frame of the new shot alone (boundary ``b`` lies
between frames ``b - 1`` and ``b``): a cut at frame ``F`` is the boundary
``F``, a gradual transition mixing frames ``m`` … ``n - 1`` spans ``m`` … ``n``.

- A found cut finds a true cut within :data:`CUT_FRAMES` frames. Any other
  pair (one of the two gradual, or both) matches when their spans overlap,
  either widened by :data:`GRADUAL_SECONDS`: a cut found inside a true
  dissolve finds it, and so does a gradual transition found around a true cut.
- One to one: pairs are taken nearest first (by their spans' middles), each
  true and each found transition at most once.
- A found transition matched to a true one counts as found whatever kind it
  says (TRECVID): recall and precision by the true transition's kind for what
  is matched, by the found kind for false positives (a gradual transition
  found where there is none lowers the gradual precision). Whether the
  matched found kind is right (cut or gradual) is counted apart
  (``kind_right``).
- A false positive whose span, widened by :data:`CUT_FRAMES`, meets an
  event (a flash, an occlusion, fast motion: frames ``first`` … ``last``, the
  boundaries ``first`` … ``last + 1``) is also a false alarm of that kind.
- Groups (:func:`group_pairs`): each true shot takes the group of the found
  shot that overlaps it most; over the pairs of true shots of a movie, a pair
  of one source in one found group is right, of one source in two groups
  missed, of two sources in one group wrong.
"""

import itertools
import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from fractions import Fraction

CUT_FRAMES = 1.5
GRADUAL_SECONDS = 0.25
EVENT_KINDS = ("flash", "occlusion", "motion")


@dataclass(frozen=True)
class Transition:
    """How a shot begins: ``kind`` (``cut``, ``dissolve``, ``fade``, ``wipe``,
    ``gradual``), its first mixed frame and the first frame of the new shot
    alone (the same frame for a cut)."""

    kind: str
    first_mixed: int
    first_frame: int

    @property
    def gradual(self):
        return self.kind != "cut"


@dataclass(frozen=True)
class Event:
    """Frames ``first`` … ``last`` that change fast without a new shot:
    ``kind`` ``flash``, ``occlusion`` or ``motion``."""

    kind: str
    first: int
    last: int


@dataclass(frozen=True)
class TrueShot:
    """A shot's frames alone (no mixed frame) and its source's name."""

    first_frame: int
    last_frame: int
    source: str


@dataclass(frozen=True)
class Truth:
    """What a movie holds: ``fps`` a fraction ("25", "24000/1001"), ``frames``
    its length; transitions, shots and events in frames from 0."""

    movie: str
    fps: str
    frames: int
    transitions: tuple
    shots: tuple
    events: tuple

    @property
    def rate(self):
        return float(Fraction(self.fps))

    def to_json(self):
        return asdict(self)

    @classmethod
    def from_json(cls, data):
        return cls(
            data["movie"],
            data["fps"],
            data["frames"],
            tuple(Transition(**row) for row in data["transitions"]),
            tuple(TrueShot(**row) for row in data["shots"]),
            tuple(Event(**row) for row in data["events"]),
        )


def fps_slots(frames, source_fps, fps):
    """Where ffmpeg's ``fps`` filter puts each of ``frames`` frames and one past
    the end: frame ``k`` is shown from output frame ``slot(k)`` on, until
    a later one takes over (a frame whose slot a later one takes is dropped)."""
    ratio = Fraction(fps) / Fraction(source_fps)
    return [math.floor(k * ratio + Fraction(1, 2)) for k in range(frames + 1)]


def reencoded_truth(truth, name, fps):
    """``truth`` mapped onto a copy made by ffmpeg's ``fps`` filter at ``fps``."""
    slot = fps_slots(truth.frames, truth.fps, fps)

    def last(frame):
        return slot[frame + 1] - 1

    return Truth(
        name,
        fps,
        slot[truth.frames],
        tuple(
            Transition(t.kind, slot[t.first_mixed], slot[t.first_frame])
            for t in truth.transitions
        ),
        tuple(
            TrueShot(slot[s.first_frame], last(s.last_frame), s.source)
            for s in truth.shots
        ),
        tuple(
            Event(e.kind, slot[e.first], max(slot[e.first], last(e.last)))
            for e in truth.events
        ),
    )


def found_transitions(shots):
    """The transitions of a :class:`~framescape.shots.table.Shot` list: each
    shot's but the first, its first mixed frame the frame after the previous
    shot's last."""
    return [
        Transition(shot.transition, previous.last_frame + 1, shot.first_frame)
        for previous, shot in itertools.pairwise(shots)
    ]


def cuts(frames):
    """Cuts at ``frames`` (each the first frame of a new shot) as transitions."""
    return [Transition("cut", frame, frame) for frame in frames]


def distance(true, found, fps):
    """How far apart ``true`` and ``found`` are (frames, between their spans'
    middles) when they match, else None."""
    apart = (
        abs(true.first_mixed + true.first_frame - found.first_mixed - found.first_frame)
        / 2
    )
    if not (true.gradual or found.gradual):
        return apart if apart <= CUT_FRAMES else None
    gap = max(
        found.first_mixed - true.first_frame, true.first_mixed - found.first_frame
    )
    return apart if gap <= GRADUAL_SECONDS * fps else None


def match(truth, found, fps):
    """``[(true index, found index)]``: one to one, nearest pairs first."""
    pairs = sorted(
        (gap, i, j)
        for i, true in enumerate(truth)
        for j, candidate in enumerate(found)
        if (gap := distance(true, candidate, fps)) is not None
    )
    matched, used_true, used_found = [], set(), set()
    for _, i, j in pairs:
        if i not in used_true and j not in used_found:
            matched.append((i, j))
            used_true.add(i)
            used_found.add(j)
    return matched


def unmatched(truth, found):
    """``(true transitions not found, found ones matching none)`` of a movie."""
    pairs = match(truth.transitions, found, truth.rate)
    true = {i for i, _ in pairs}
    matched = {j for _, j in pairs}
    return (
        [t for i, t in enumerate(truth.transitions) if i not in true],
        [f for j, f in enumerate(found) if j not in matched],
    )


def ratio(part, whole):
    """``part / whole``; 1 when there is nothing (nothing to find, nothing found)."""
    return part / whole if whole else 1.0


def f1(precision, recall):
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


@dataclass
class Counts:
    """A method's counts on one movie or several (``+``). Keys ``cut`` and
    ``gradual``: ``true`` transitions, ``found`` (matched true ones), ``false``
    (false positives by the found kind); ``kind_right`` of ``matched``;
    ``alarms`` false positives per event kind."""

    true: Counter = field(default_factory=Counter)
    found: Counter = field(default_factory=Counter)
    false: Counter = field(default_factory=Counter)
    matched: int = 0
    kind_right: int = 0
    alarms: Counter = field(default_factory=Counter)

    def __add__(self, other):
        return Counts(
            self.true + other.true,
            self.found + other.found,
            self.false + other.false,
            self.matched + other.matched,
            self.kind_right + other.kind_right,
            self.alarms + other.alarms,
        )

    def recall(self, kind=None):
        kinds = [kind] if kind else ["cut", "gradual"]
        return ratio(
            sum(self.found[k] for k in kinds), sum(self.true[k] for k in kinds)
        )

    def precision(self, kind=None):
        kinds = [kind] if kind else ["cut", "gradual"]
        right = sum(self.found[k] for k in kinds)
        return ratio(right, right + sum(self.false[k] for k in kinds))

    def f1(self, kind=None):
        return f1(self.precision(kind), self.recall(kind))

    def figures(self):
        """The counts and figures as plain numbers (for JSON)."""
        figures = {
            name: dict(getattr(self, name)) for name in ("true", "found", "false")
        }
        figures |= {"matched": self.matched, "kind_right": self.kind_right}
        figures["alarms"] = {kind: self.alarms[kind] for kind in EVENT_KINDS}
        for kind in (None, "cut", "gradual"):
            name = kind or "all"
            figures[name] = {
                "precision": round(self.precision(kind), 4),
                "recall": round(self.recall(kind), 4),
                "f1": round(self.f1(kind), 4),
            }
        return figures


def category(transition):
    return "gradual" if transition.gradual else "cut"


def alarm_kinds(transition, events):
    """The kinds of the events ``transition`` (widened by :data:`CUT_FRAMES`) meets."""
    first = transition.first_mixed - CUT_FRAMES
    last = transition.first_frame + CUT_FRAMES
    return {
        event.kind
        for event in events
        if first <= event.last + 1 and event.first <= last
    }


def score_movie(truth, found):
    """:class:`Counts` of the transitions ``found`` (a list of
    :class:`Transition`) against ``truth`` (a :class:`Truth`)."""
    counts = Counts()
    pairs = match(truth.transitions, found, truth.rate)
    counts.true.update(category(true) for true in truth.transitions)
    counts.found.update(category(truth.transitions[i]) for i, _ in pairs)
    counts.matched = len(pairs)
    counts.kind_right = sum(
        category(truth.transitions[i]) == category(found[j]) for i, j in pairs
    )
    matched = {j for _, j in pairs}
    for j, transition in enumerate(found):
        if j not in matched:
            counts.false[category(transition)] += 1
            counts.alarms.update(alarm_kinds(transition, truth.events))
    return counts


def shot_groups(true_shots, found_shots):
    """The group each true shot gets: that of the found shot (with
    ``first_frame``, ``last_frame``, ``group``) overlapping it most."""
    groups = []
    for true in true_shots:
        overlaps = [
            min(true.last_frame, shot.last_frame)
            - max(true.first_frame, shot.first_frame)
            for shot in found_shots
        ]
        groups.append(found_shots[overlaps.index(max(overlaps))].group)
    return groups


def group_pairs(true_shots, found_shots):
    """``Counter`` of the pairs of true shots: ``right`` (one source, one found
    group), ``missed`` (one source, two groups), ``wrong`` (two sources, one
    group)."""
    groups = shot_groups(true_shots, found_shots)
    pairs = Counter()
    for i, first in enumerate(true_shots):
        for j in range(i + 1, len(true_shots)):
            same_source = first.source == true_shots[j].source
            same_group = groups[i] == groups[j]
            if same_source or same_group:
                pairs[
                    "right"
                    if same_source and same_group
                    else "missed"
                    if same_source
                    else "wrong"
                ] += 1
    return pairs


def pairs_f1(pairs):
    """``(precision, recall, F1)`` of :func:`group_pairs`' counts."""
    precision = ratio(pairs["right"], pairs["right"] + pairs["wrong"])
    recall = ratio(pairs["right"], pairs["right"] + pairs["missed"])
    return precision, recall, f1(precision, recall)
