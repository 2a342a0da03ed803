"""A movie's viewer, ``results/<movie>.html`` (rule ``make_viewer``): its maps and
the switch between them, the timeline, each frame's picture on hover, its
nearest frames on a click, the selection's CSV, the marks of reused footage
and, with the movie's shots, its barcode and shots under the timeline, the map
coloured by shot or group and the self-similarity heatmaps with their bounds
(:mod:`framescape.pages.shots`); ``<movie>/nearest.js`` and
``<movie>/thumbnails.js`` beside it."""


import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

from framescape.common import (
    Progress,
    format_duration,
    load_json,
    log,
    save_text,
)
from framescape.pages.shots import frame_shots, page_shots, shot_facts, shot_views
from framescape.pages.toolkit import (
    HOVER_SIDE,
    TEMPLATES,
    THUMBNAIL_SIDE,
    aspect_ratio,
    check_assets,
    export_controls,
    fit,
    frame_points,
    js_call,
    map_figure,
    map_menu,
    map_steps,
    maps_source,
    nearest_script,
    numbered_pictures,
    page_document,
    page_scripts,
    picture_hover,
    picture_size,
    thumbnail_script,
    thumbnail_urls,
)


def viewer_layout(items, keys, movie, picture, assets, shots=None, barcode=None):
    """The Bokeh layout of one movie's viewer.

    Parameters
    ----------
    items : the movie's JSON (one dict per frame)
    keys : ``"<method>_<metric>"`` maps, in menu order
    movie : movie id (CSV file name; ``<movie>/nearest.js`` and
        ``<movie>/thumbnails.js`` beside the page)
    picture : ``(width, height)`` of the movie's frame pictures, pixels
    assets : the assets folder, relative to the page
    shots : the movie's shots (``shots.tsv`` rows), or None: the page shows
        none of them
    barcode : its barcode picture, relative to the page, or None

    The layout is the one root of its own document, which follows the page's
    address once drawn (``#frame=N`` selects frame N, as the folder map's
    links ask).
    """
    from bokeh.layouts import column, row

    data = viewer_sources(items, keys, shots)
    drawn = viewer_map(data, picture)
    controls = viewer_controls(keys, data, assets)
    shared = {
        "source": data.source,
        "maps": data.maps,
        "scales": data.scales,
        "pictures": data.pictures,
        "thumbnails": data.thumbnails,
        "marker": data.marker,
        "path": drawn.path,
        "slider": controls.slider,
        "plot": drawn.plot,
        "choose": controls.choose,
        "details": controls.details,
        "status": controls.status,
        "play": controls.play,
        "movie": movie,
    }
    timeline = [row(controls.play, controls.slider, sizing_mode="stretch_width")]
    menus = [controls.choose]
    if shots:
        views = shot_views(
            shots,
            data.times,
            barcode,
            drawn.colour_bar,
            controls.slider.stylesheets[0],
        )
        shared |= {
            "shots": views.shots,
            "strip": views.strip,
            "colour": views.colour,
            "colourings": views.colourings,
            "points": drawn.points,
            "colour_bar": drawn.colour_bar,
        }
        timeline.append(views.strip)
        menus.append(views.colour)
        views.colour.js_on_change("value", js_call(shared, "colourBy"))

    controls.choose.js_on_change("value", js_call(shared, "switchMap"))
    controls.slider.js_on_change("value", js_call(shared, "moveMarker"))
    controls.play.js_on_event("button_click", js_call(shared, "togglePlay"))
    controls.export.js_on_event("button_click", js_call(shared, "exportCsv"))
    data.source.selected.js_on_change("indices", js_call(shared, "showSelection"))
    drawn.plot.js_on_event("tap", js_call(shared, "showFrame"))
    drawn.plot.js_on_event("rangesupdate", js_call(shared, "updateThumbnails"))
    layout = row(
        column(drawn.plot, *timeline, width=760),
        column(*menus, controls.export, controls.status, controls.details),
    )
    return page_document(layout, shared, "watchAddress")


class ViewerSources(NamedTuple):
    """The data a viewer draws (:func:`viewer_sources`): ``source``, the frames
    (``frame``, ``time``, the first map's ``x`` and ``y``, ``src`` unless
    ``pictures`` rebuilds the names, and with shots each frame's ``shot`` and
    ``group``); ``maps`` and ``scales``, every map's
    steps; ``thumbnails``, the pictures drawn when zoomed in; ``marker``, the
    timeline's frame; ``times``, each frame's time (s)."""

    source: object
    maps: object
    scales: dict
    pictures: dict | None
    thumbnails: object
    marker: object
    times: np.ndarray


def viewer_sources(items, keys, shots=None):
    """The :class:`ViewerSources` of a movie's JSON ``items``, its maps
    ``keys`` and its ``shots`` (None: none)."""
    from bokeh.models import ColumnDataSource

    times = np.array([item["time"] for item in items], np.float64)
    steps = map_steps(items, keys)
    data = {
        "frame": np.array([item["frame"] for item in items], np.int32),
        "time": times,
        "x": steps.x,
        "y": steps.y,
    }
    if shots:
        data["shot"], data["group"] = frame_shots(shots, times)
    sources = [item["src"] for item in items]
    pictures = numbered_pictures(sources)
    if pictures is None:
        data["src"] = sources
    source = ColumnDataSource(data, name="frames")
    maps = maps_source(steps.steps, keys)
    thumbnails = ColumnDataSource({"x": [], "y": [], "src": []}, name="thumbnails")
    marker = ColumnDataSource({"x": data["x"][:1], "y": data["y"][:1]}, name="marker")
    return ViewerSources(
        source, maps, steps.scales, pictures, thumbnails, marker, times
    )


class MapViews(NamedTuple):
    """The viewer's map (:func:`viewer_map`): the figure, the frames' path
    and points, and the colour bar of their colours (by time)."""

    plot: object
    path: object
    points: object
    colour_bar: object


def viewer_map(data, picture):
    """The :class:`MapViews` of :class:`ViewerSources` ``data``: the
    frames' path, the pictures when zoomed in, the frames coloured by time
    with their colour bar, the timeline's ring and a hover showing the frame
    (``picture``, its pictures' size), and its shot when the data has them."""
    from bokeh.models import ColorBar, CustomJSHover
    from bokeh.transform import linear_cmap

    plot = map_figure(760, 700)
    times = data.times
    colours = linear_cmap(
        "time", "Viridis256", float(times.min()), float(max(times.max(), 1e-9))
    )
    path = plot.line(
        "x",
        "y",
        source=data.source,
        line_color="#8a8a8a",
        line_alpha=0.35,
        name="path",
    )
    thumbnail_width, thumbnail_height = fit(picture, THUMBNAIL_SIDE)
    plot.image_url(
        url="src",
        x="x",
        y="y",
        w=thumbnail_width,
        h=thumbnail_height,
        w_units="screen",
        h_units="screen",
        anchor="center",
        source=data.thumbnails,
        name="thumbnail_pictures",
    )
    points = frame_points(plot, data.source, 7, colours, 0.25)
    plot.scatter(
        "x",
        "y",
        source=data.marker,
        size=18,
        fill_color=None,
        line_color="#d62728",
        line_width=3,
        name="marker_ring",
    )
    colour_bar = ColorBar(
        color_mapper=colours["transform"], title="time (s)", width=10
    )
    plot.add_layout(colour_bar, "right")
    hover_width, hover_height = fit(picture, HOVER_SIDE)
    shot = " · shot @shot" if "shot" in data.source.data else ""
    picture_hover(
        plot,
        points,
        f'<div><img src="$index{{picture}}" alt="frame @frame" '
        f'style="width:{hover_width}px;height:{hover_height}px">'
        f"<div>frame @frame · @time{{0.00}} s{shot}</div></div>",
        CustomJSHover(
            name="picture_of",
            args={"source": data.source, "pictures": data.pictures},
            code="return framescape.pictureOf({source, pictures}, value);",
        ),
    )
    return MapViews(plot, path, points, colour_bar)


class ViewerControls(NamedTuple):
    """The widgets beside a viewer's map (:func:`viewer_controls`)."""

    choose: object
    slider: object
    play: object
    export: object
    status: object
    details: object


def viewer_controls(keys, data, assets):
    """The map menu, the timeline and its play button, the CSV export and its
    status line, and the frame's details (:class:`ViewerControls`) of a
    viewer of :class:`ViewerSources` ``data``."""
    from bokeh.models import Button, Div, ImportedStyleSheet, Slider

    n = len(data.times)
    style = ImportedStyleSheet(url=f"{assets}/framescape.css")
    choose = map_menu(keys)
    slider = Slider(
        start=0,
        end=max(n - 1, 1),
        value=0,
        step=1,
        title=f"Frame {data.source.data['frame'][0]} · {data.times[0]:.2f} s",
        show_value=False,
        name="timeline",
        width=640,
        disabled=n < 2,
        # The marks of reused footage (framescape.js) are drawn on its track.
        stylesheets=[style],
    )
    play = Button(label="▶ Play", width=90, name="play", disabled=n < 2)
    export, status = export_controls()
    details = Div(
        stylesheets=[style],
        text='<p class="fs-hint">Click a point to see its frame and the frames '
        "nearest to it.</p>",
        name="details",
        width=360,
    )
    return ViewerControls(choose, slider, play, export, status, details)


def viewer_page(
    items, keys, movie, file_name, probe, fps, picture, assets, reuse=False, shots=None
):
    """The complete HTML page of one movie's viewer.

    ``probe`` is the movie's ``probe.json`` (its duration and size are shown),
    ``picture`` the ``(width, height)`` of its frame pictures, ``assets`` the
    assets folder relative to the page. The page loads the BokehJS of the Bokeh
    that makes it (see :func:`check_assets`). With ``reuse`` it also loads
    ``reuse.js`` beside it (:func:`framescape.pages.reuse.reuse_script`) and marks
    the movie's reused stretches on its timeline, with where else each appears.
    With ``shots`` (:class:`~framescape.pages.shots.PageShots`) it shows their
    figures, barcode, bands and colourings, and the heatmaps.
    """
    import bokeh
    from bokeh.embed import components

    layout = viewer_layout(
        items,
        keys,
        movie,
        picture,
        assets,
        shots and shots.shots,
        shots and shots.barcode,
    )
    script, div = components(layout)
    facts = [f"{len(items)} frames at {fps:g} per second"]
    if probe.get("duration"):
        facts.append(f"{format_duration(probe['duration'])} long")
    if probe.get("width"):
        facts.append(f"source {probe['width']}×{probe['height']}")
    if shots:
        facts += shot_facts(shots.shots)
    return TEMPLATES.get_template("viewer.html").render(
        title=file_name,
        assets=assets,
        scripts=page_scripts(bokeh.__version__),
        aspect=aspect_ratio(picture),
        facts=facts,
        bokeh_div=div,
        bokeh_script=script,
        reuse=reuse,
        heatmaps=shots.heatmaps if shots else {},
        first_metric=keys[0].split("_", 1)[1],
    )


def viewer_step(
    json_path,
    probe_path,
    nearest_npys,
    assets,
    outputs,
    movie,
    maps,
    metrics,
    file_name,
    fps,
    reuse=False,
    shots_tsv=None,
    barcode=None,
    heatmaps=(),
):
    """Rule ``make_viewer``: ``<movie>.html``, ``<movie>/nearest.js`` and
    ``<movie>/thumbnails.js`` (``outputs.page``, ``.nearest``, ``.thumbnails``).

    ``assets`` is the folder :func:`~framescape.pages.toolkit.copy_assets`
    filled; it must hold this job's BokehJS. ``reuse``: whether the run finds
    reused footage, so that the page loads ``results/reuse.js`` (see
    :func:`viewer_page`). ``shots_tsv``, ``barcode`` and ``heatmaps`` (the
    ``metrics``' heatmaps): the movie's shots and pictures, when the shot
    stage takes it (:func:`~framescape.pages.shots.page_shots`).
    """
    check_assets(assets)
    results = Path(json_path).parent
    items = load_json(json_path)
    nearest = {metric: np.load(path) for metric, path in zip(metrics, nearest_npys)}
    picture = picture_size(results / items[0]["src"])
    here = Path(outputs.page).parent
    text = viewer_page(
        items,
        maps,
        movie,
        file_name,
        load_json(probe_path),
        fps,
        picture,
        os.path.relpath(assets, here),
        reuse,
        page_shots(shots_tsv, barcode, dict(zip(metrics, heatmaps)), here),
    )
    save_text(outputs.page, text)
    nearest_text = nearest_script(movie, nearest)
    save_text(outputs.nearest, nearest_text)
    urls = thumbnail_urls(
        results,
        items,
        fit(picture, THUMBNAIL_SIDE)[0],
        Progress(f"thumbnails of {movie}"),
    )
    save_text(outputs.thumbnails, thumbnail_script(movie, urls))
    log.info(
        "%d frames, %d maps, pictures %dx%d; page %d bytes, nearest %d bytes, "
        "thumbnails %d bytes",
        len(items),
        len(maps),
        *picture,
        len(text.encode()),
        len(nearest_text),
        sum(map(len, urls)),
    )
