"""What the pages show of a movie's shots (``results/<movie>/shots.tsv``, the
shot stage): the figures people quote and the files made of the shots, on the
index's card; in the viewer, the figures, the colour barcode and the shots as
bands under the timeline, and the map coloured by shot or by group.

A sampled frame belongs to the shot its time falls in, a gradual
transition's mixed frames to the shot it leads into: the shots' spans from
their ``transition_start`` to their ``end`` tile the movie. A shot is shown
from its first sampled frame at or after its ``start``, or, when none falls
inside it (a shot shorter than the sampling step), the frame nearest its
middle (:func:`~framescape.pages.toolkit.time_range`, as a reused stretch is).

Every part is there only while the movie's ``shots.tsv`` is: a movie the
stage left out, or a run without the stage, gets its pages without them."""


import html
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

from framescape.common import format_duration
from framescape.pages.toolkit import TIME_ROUNDING, time_range
from framescape.shots.table import load_shots, shot_figures

# What the index's card links to, under results/<movie>/, in its order.
SHOT_FILES = (
    ("shots.tsv", "shots.tsv"),
    ("shots.edl", "EDL"),
    ("shots.otio", "OTIO"),
    ("chapters.vtt", "chapters"),
    ("plots/cutting_rate.png", "cutting rate"),
)
BARCODE = "plots/barcode.png"
# The map's colourings, in its menu's order.
COLOURINGS = ("time", "shot", "group")


def read_shots(results, movie):
    """The movie's :class:`~framescape.shots.table.Shot` rows, or None while
    it has no ``shots.tsv`` made since its ``probe.json``: a movie replaced
    whose shot stage then failed keeps the shots of the file it replaced."""
    path = Path(results, movie, "shots.tsv")
    probe = Path(results, movie, "probe.json")
    if not path.is_file() or (
        probe.is_file() and probe.stat().st_mtime_ns > path.stat().st_mtime_ns
    ):
        return None
    return load_shots(path)


def shot_facts(shots):
    """The figures people quote, as the pages show them: ``["42 shots",
    "average 8.7 s", "median 6.1 s"]``
    (:func:`~framescape.shots.table.shot_figures`)."""
    figures = shot_figures(shots)
    count = figures["shots"]
    if not count:
        return ["no shots"]
    return [
        f"{count} shot{'s' if count != 1 else ''}",
        f"average {figures['average_seconds']:.1f} s",
        f"median {figures['median_seconds']:.1f} s",
    ]


def shot_card(results, movie):
    """What the index's card shows of a movie's shots: ``{"facts", "barcode",
    "files": [{"label", "link"}]}`` with links relative to ``results`` to the
    files that exist; None while the movie has no ``shots.tsv``."""
    shots = read_shots(results, movie)
    if shots is None:
        return None
    barcode = Path(results, movie, BARCODE)
    return {
        "facts": shot_facts(shots),
        "barcode": f"{movie}/{BARCODE}" if barcode.is_file() else None,
        "files": [
            {"label": label, "link": f"{movie}/{name}"}
            for name, label in SHOT_FILES
            if Path(results, movie, name).is_file()
        ],
    }


class PageShots(NamedTuple):
    """What a viewer shows of its movie's shots: ``shots``, the
    ``shots.tsv`` rows (at least one); ``barcode``, the barcode picture's
    address relative to the page (None: none); ``heatmaps``, ``{metric:
    address}`` of the self-similarity heatmaps drawn with the shots' starts."""

    shots: list
    barcode: str | None
    heatmaps: dict


def page_shots(shots_tsv, barcode, heatmaps, page_folder):
    """The :class:`PageShots` of a movie's ``shots.tsv``, barcode and
    ``{metric: heatmap}`` files, addressed from ``page_folder``; None without
    a table or shots (the page shows none of them)."""
    shots = load_shots(shots_tsv) if shots_tsv else []
    if not shots:
        return None

    def address(path):
        return Path(os.path.relpath(path, page_folder)).as_posix()

    return PageShots(
        shots,
        address(barcode) if barcode else None,
        {metric: address(path) for metric, path in heatmaps.items()},
    )


def frame_shots(shots, times):
    """Each sampled frame's shot and group, by its time (s): ``(shot, group)``,
    two ``(N,) int32`` arrays of the numbers ``shots.tsv`` gives them. A frame
    before the first shot's span is the first shot's, one past the last span
    the last shot's."""
    starts = np.array([shot.transition_start for shot in shots], np.float64)
    places = np.searchsorted(
        starts, np.asarray(times, np.float64) + TIME_ROUNDING, side="right"
    )
    places = np.clip(places - 1, 0, len(shots) - 1)
    numbers = np.array([shot.shot for shot in shots], np.int32)
    groups = np.array([shot.group for shot in shots], np.int32)
    return numbers[places], groups[places]


def shot_title(shot):
    """A band's hover text: the shot's number, times and how it begins."""
    times = f"{format_duration(shot.start)}–{format_duration(shot.end)}"
    if shot.transition_start < shot.start:
        begins = f"{shot.transition} from {format_duration(shot.transition_start)}"
    else:
        begins = shot.transition
    return f"Shot {shot.shot} · {times} · {begins} · group {shot.group}"


def shot_bands(shots, times):
    """The viewer's data source of the shots' bands: a column each of
    ``shot``, ``start``, ``end``, ``transition_start`` (s), ``group``,
    ``first`` (the place among the sampled frames, at ``times``, that a click
    on the band shows) and ``title`` (:func:`shot_title`)."""
    times = [float(time) for time in times]
    return {
        "shot": [shot.shot for shot in shots],
        "start": [shot.start for shot in shots],
        "end": [shot.end for shot in shots],
        "transition_start": [shot.transition_start for shot in shots],
        "group": [shot.group for shot in shots],
        "first": [time_range(times, shot.start, shot.end)[0] for shot in shots],
        "title": [shot_title(shot) for shot in shots],
    }


def cycled(palette, count):
    """``count`` colours, ``palette`` over and over: neighbours differ."""
    return [palette[k % len(palette)] for k in range(max(count, 1))]


def number_colours(palette, count):
    """A colour mapper giving the numbers 1 … ``count`` the colours of
    ``palette`` cycled: what the map and the bands colour shots and groups by."""
    from bokeh.models import LinearColorMapper

    return LinearColorMapper(
        palette=cycled(palette, count), low=0.5, high=max(count, 1) + 0.5
    )


class ShotViews(NamedTuple):
    """The viewer's models of a movie's shots (:func:`shot_views`): ``shots``,
    the bands' data source; ``strip``, the barcode and the bands under the
    timeline; ``colour``, the colouring menu; ``colourings``, ``{name:
    [mapper, colour bar title]}`` of its choices."""

    shots: object
    strip: object
    colour: object
    colourings: dict


def shot_views(shots, times, barcode, colour_bar, style):
    """The :class:`ShotViews` of ``shots`` for a viewer whose sampled frames
    are at ``times``: ``barcode`` is the barcode picture's address relative
    to the page (None: none), ``colour_bar`` the map's (by time, until
    another colouring is chosen: its ticks then whole numbers), ``style``
    the pages' style sheet."""
    from bokeh.models import BasicTicker, ColumnDataSource, Div, Select
    from bokeh.palettes import Category10, Category20

    picture = (
        f'<img class="fs-barcode" src="{html.escape(barcode)}" '
        'alt="colour barcode" title="Click: the frame shown at that time">'
        '<span class="fs-label fs-barcode-label">colours</span>'
        if barcode
        else ""
    )
    strip = Div(
        text=f'<div class="fs-strip">{picture}<div class="fs-bands">'
        '<span class="fs-label">shots</span></div>'
        '<span class="fs-now"></span></div>',
        name="shots_strip",
        width=760,
        stylesheets=[style],
    )
    colour = Select(
        title="Colour",
        value="time",
        options=[(name, f"by {name}") for name in COLOURINGS],
        name="colour_select",
    )
    colour_bar.ticker = BasicTicker()
    groups = max(shot.group for shot in shots)
    colourings = {
        "time": [colour_bar.color_mapper, colour_bar.title],
        "shot": [number_colours(Category10[10], len(shots)), "shot"],
        "group": [number_colours(Category20[20], groups), "group"],
    }
    source = ColumnDataSource(shot_bands(shots, times), name="shots")
    return ShotViews(source, strip, colour, colourings)
