"""A movie's viewer, ``results/<movie>.html`` (rule ``make_viewer``): its maps and
the switch between them, the timeline, each frame's picture on hover, its
nearest frames on a click, the selection's CSV and the marks of reused footage;
``<movie>/nearest.js`` and ``<movie>/thumbnails.js`` beside it."""


import os
from pathlib import Path

import numpy as np

from framescape.common import (
    Progress,
    format_duration,
    load_json,
    log,
    map_label,
    save_text,
)
from framescape.pages.toolkit import (
    HOVER_SIDE,
    TEMPLATES,
    THUMBNAIL_SIDE,
    aspect_ratio,
    check_assets,
    fit,
    js_call,
    map_figure,
    nearest_script,
    numbered_pictures,
    page_scripts,
    picture_size,
    quantised,
    thumbnail_script,
    thumbnail_urls,
    unquantised,
)


def viewer_layout(items, keys, movie, picture, assets):
    """The Bokeh layout of one movie's viewer.

    Parameters
    ----------
    items : the movie's JSON (one dict per frame)
    keys : ``"<method>_<metric>"`` maps, in menu order
    movie : movie id (CSV file name; ``<movie>/nearest.js`` and
        ``<movie>/thumbnails.js`` beside the page)
    picture : ``(width, height)`` of the movie's frame pictures, pixels
    assets : the assets folder, relative to the page

    The layout is the one root of its own document, which follows the page's
    address once drawn (``#frame=N`` selects frame N, as the folder map's
    links ask).
    """
    from bokeh.document import Document
    from bokeh.layouts import column, row
    from bokeh.models import (
        Button,
        ColorBar,
        ColumnDataSource,
        CustomJSHover,
        Div,
        HoverTool,
        ImportedStyleSheet,
        Select,
        Slider,
    )
    from bokeh.transform import linear_cmap

    n = len(items)
    times = np.array([item["time"] for item in items], np.float64)
    steps, scales = {}, {}
    for key in keys:
        coordinates = np.array([item[key] for item in items], np.float64)
        steps[key], scales[key] = quantised(coordinates)
    x, y = unquantised(steps[keys[0]], scales[keys[0]])
    data = {
        "frame": np.array([item["frame"] for item in items], np.int32),
        "time": times,
        "x": x,
        "y": y,
    }
    sources = [item["src"] for item in items]
    pictures = numbered_pictures(sources)
    if pictures is None:
        data["src"] = sources
    source = ColumnDataSource(data, name="frames")
    maps = ColumnDataSource(
        {
            f"{key}_{axis}": steps[key][:, a]
            for key in keys
            for a, axis in enumerate("xy")
        },
        name="maps",
    )
    thumbnails = ColumnDataSource({"x": [], "y": [], "src": []}, name="thumbnails")
    marker = ColumnDataSource({"x": data["x"][:1], "y": data["y"][:1]}, name="marker")

    plot = map_figure(760, 700)
    colours = linear_cmap(
        "time", "Viridis256", float(times.min()), float(max(times.max(), 1e-9))
    )
    path = plot.line(
        "x", "y", source=source, line_color="#8a8a8a", line_alpha=0.35, name="path"
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
        source=thumbnails,
        name="thumbnail_pictures",
    )
    points = plot.scatter(
        "x",
        "y",
        source=source,
        size=7,
        fill_color=colours,
        line_color=None,
        selection_line_color="#d62728",
        nonselection_fill_alpha=0.25,
        name="points",
    )
    plot.scatter(
        "x",
        "y",
        source=marker,
        size=18,
        fill_color=None,
        line_color="#d62728",
        line_width=3,
        name="marker_ring",
    )
    plot.add_layout(
        ColorBar(color_mapper=colours["transform"], title="time (s)", width=10),
        "right",
    )
    hover_width, hover_height = fit(picture, HOVER_SIDE)
    plot.add_tools(
        HoverTool(
            renderers=[points],
            tooltips=(
                f'<div><img src="$index{{picture}}" alt="frame @frame" '
                f'style="width:{hover_width}px;height:{hover_height}px">'
                "<div>frame @frame · @time{0.00} s</div></div>"
            ),
            formatters={
                "$index": CustomJSHover(
                    name="picture_of",
                    args={"source": source, "pictures": pictures},
                    code="return framescape.pictureOf({source, pictures}, value);",
                )
            },
        )
    )

    style = ImportedStyleSheet(url=f"{assets}/framescape.css")
    choose = Select(
        title="Map",
        value=keys[0],
        options=[(key, map_label(key)) for key in keys],
        name="map_select",
    )
    slider = Slider(
        start=0,
        end=max(n - 1, 1),
        value=0,
        step=1,
        title=f"Frame {data['frame'][0]} · {times[0]:.2f} s",
        show_value=False,
        name="timeline",
        width=640,
        disabled=n < 2,
        # The marks of reused footage (framescape.js) are drawn on its track.
        stylesheets=[style],
    )
    play = Button(label="▶ Play", width=90, name="play", disabled=n < 2)
    export = Button(label="Export selection (CSV)", name="export_csv")
    status = Div(text="", name="status")
    details = Div(
        stylesheets=[style],
        text='<p class="fs-hint">Click a point to see its frame and the frames '
        "nearest to it.</p>",
        name="details",
        width=360,
    )
    shared = {
        "source": source,
        "maps": maps,
        "scales": scales,
        "pictures": pictures,
        "thumbnails": thumbnails,
        "marker": marker,
        "path": path,
        "slider": slider,
        "plot": plot,
        "choose": choose,
        "details": details,
        "status": status,
        "play": play,
        "movie": movie,
    }

    choose.js_on_change("value", js_call(shared, "switchMap"))
    slider.js_on_change("value", js_call(shared, "moveMarker"))
    play.js_on_event("button_click", js_call(shared, "togglePlay"))
    export.js_on_event("button_click", js_call(shared, "exportCsv"))
    source.selected.js_on_change("indices", js_call(shared, "showSelection"))
    plot.js_on_event("tap", js_call(shared, "showFrame"))
    plot.js_on_event("rangesupdate", js_call(shared, "updateThumbnails"))
    layout = row(
        column(plot, row(play, slider, sizing_mode="stretch_width"), width=760),
        column(choose, export, status, details),
    )
    Document().add_root(layout)
    layout.document.js_on_event("document_ready", js_call(shared, "watchAddress"))
    return layout


def viewer_page(
    items, keys, movie, file_name, probe, fps, picture, assets, reuse=False
):
    """The complete HTML page of one movie's viewer.

    ``probe`` is the movie's ``probe.json`` (its duration and size are shown),
    ``picture`` the ``(width, height)`` of its frame pictures, ``assets`` the
    assets folder relative to the page. The page loads the BokehJS of the Bokeh
    that makes it (see :func:`check_assets`). With ``reuse`` it also loads
    ``reuse.js`` beside it (:func:`framescape.pages.reuse.reuse_script`) and marks
    the movie's reused stretches on its timeline, with where else each appears.
    """
    import bokeh
    from bokeh.embed import components

    script, div = components(viewer_layout(items, keys, movie, picture, assets))
    facts = [f"{len(items)} frames at {fps:g} per second"]
    if probe.get("duration"):
        facts.append(f"{format_duration(probe['duration'])} long")
    if probe.get("width"):
        facts.append(f"source {probe['width']}×{probe['height']}")
    return TEMPLATES.get_template("viewer.html").render(
        title=file_name,
        assets=assets,
        scripts=page_scripts(bokeh.__version__),
        aspect=aspect_ratio(picture),
        facts=facts,
        bokeh_div=div,
        bokeh_script=script,
        reuse=reuse,
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
):
    """Rule ``make_viewer``: ``<movie>.html``, ``<movie>/nearest.js`` and
    ``<movie>/thumbnails.js`` (``outputs.page``, ``.nearest``, ``.thumbnails``).

    ``assets`` is the folder :func:`~framescape.pages.toolkit.copy_assets`
    filled; it must hold this job's BokehJS. ``reuse``: whether the run finds
    reused footage, so that the page loads ``results/reuse.js`` (see
    :func:`viewer_page`).
    """
    check_assets(assets)
    results = Path(json_path).parent
    items = load_json(json_path)
    nearest = {metric: np.load(path) for metric, path in zip(metrics, nearest_npys)}
    picture = picture_size(results / items[0]["src"])
    text = viewer_page(
        items,
        maps,
        movie,
        file_name,
        load_json(probe_path),
        fps,
        picture,
        os.path.relpath(assets, Path(outputs.page).parent),
        reuse,
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
