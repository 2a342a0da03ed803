"""A movie's shots as records (:class:`Shot`), ``shots.tsv`` written and read,
and the figures people quote of them (:func:`shot_figures`).

The rows tile the movie: shot ``k`` covers frames ``first_frame`` to
``last_frame``; a gradual transition's mixed frames lie between the previous
shot's last frame and the new shot's first, from ``transition_start`` on. Times
are seconds of the movie's own time, from 0 at its start as players show it;
frames count from 0 at the movie's own frame rate."""

import statistics
from dataclasses import astuple, dataclass, fields

from framescape.common import load_tsv, log, save_tsv

# How a shot begins.
TRANSITIONS = ("start", "cut", "dissolve", "fade", "wipe", "gradual")
GRADUAL = frozenset(TRANSITIONS[2:])
TIME_DECIMALS = 3


@dataclass(frozen=True)
class Shot:
    """One row of ``shots.tsv``.

    ``start`` is the time of ``first_frame`` (the first frame of the shot
    alone), ``end`` the time where ``last_frame`` ends (the next shot's
    ``transition_start``, or the movie's end). ``transition_start`` is the time
    of the first mixed frame of a gradual transition, else ``start``. ``group``
    numbers shots that show the same place or set-up, from 1 in order of first
    appearance.
    """

    shot: int
    start: float
    end: float
    first_frame: int
    last_frame: int
    transition: str
    transition_start: float
    group: int

    @property
    def seconds(self):
        return self.end - self.start

    @property
    def frames(self):
        return self.last_frame - self.first_frame + 1


HEADER = [field.name for field in fields(Shot)]


def shot_row(shot):
    """``shot`` as strings: times with :data:`TIME_DECIMALS` decimals."""
    return [
        f"{value:.{TIME_DECIMALS}f}" if isinstance(value, float) else str(value)
        for value in astuple(shot)
    ]


def save_shots(path, shots):
    """Write one movie's ``shots`` to ``path``."""
    save_tsv(path, HEADER, [shot_row(shot) for shot in shots])


def parse_shot(row):
    """One ``shots.tsv`` row (a dict of strings) as a :class:`Shot`."""
    return Shot(**{field.name: field.type(row[field.name]) for field in fields(Shot)})


def load_shots(path):
    """The :class:`Shot` rows of one movie's ``shots.tsv``."""
    return [parse_shot(row) for row in load_tsv(path)]


def shot_figures(shots):
    """What people quote of a movie's shots: ``{"shots", "average_seconds",
    "median_seconds"}``. The average is the movie's length over its shots (the
    average shot length of Cinemetrics); the median is of the rows' lengths."""
    if not shots:
        return {"shots": 0, "average_seconds": None, "median_seconds": None}
    length = shots[-1].end - shots[0].start
    return {
        "shots": len(shots),
        "average_seconds": round(length / len(shots), TIME_DECIMALS),
        "median_seconds": round(
            statistics.median(shot.seconds for shot in shots), TIME_DECIMALS
        ),
    }


def folder_table_step(shot_tsvs, output, movies):
    """Rule ``shot_table``: ``results/shots.tsv``, every movie's shots with its
    id first, in the folder's order."""
    rows = [
        [movie, *shot_row(shot)]
        for movie, path in zip(movies, shot_tsvs, strict=True)
        for shot in load_shots(path)
    ]
    save_tsv(output, ["movie", *HEADER], rows)
    log.info("%d shots of %d movies", len(rows), len(movies))
