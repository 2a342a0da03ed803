"""The interactive viewer: ``results/<movie>.html`` per movie and ``results/index.html``.

Pages are Bokeh documents (WebGL scatter, hover, box and lasso selection,
widgets) embedded in our own HTML, with BokehJS and the viewer's few functions
(``viewer_assets/framescape.js``: smooth switching, timeline, thumbnails when zoomed,
nearest frames, CSV export — what Bokeh has no model for) copied once into
``results/_viewer/``. They open from the file system or any static web server,
with no network.
"""

import base64
import html
import io
import json
import shutil
from pathlib import Path

import numpy as np

from framescape.common import (
    atomic_path,
    load_json,
    log,
    map_label,
    save_text,
)
from framescape.movies import read_movies_tsv

ASSETS = "_viewer"
VIEWER_FILES = Path(__file__).with_name("viewer_assets")
BOKEH_BUNDLES = ("bokeh", "bokeh-gl", "bokeh-widgets")
# Frame pictures drawn on the map when zoomed in: width in pixels, JPEG quality.
THUMBNAIL_WIDTH = 96
THUMBNAIL_QUALITY = 80


def asset_names(bokeh_version):
    """Files the pages load from ``results/_viewer/``, in loading order.

    BokehJS files carry their version: after an upgrade, new names make
    Snakemake copy them again and remake every page.
    """
    return [
        *(f"{bundle}-{bokeh_version}.min.js" for bundle in BOKEH_BUNDLES),
        "framescape.js",
        "framescape.css",
    ]


def copy_assets(paths):
    """Copy the installed BokehJS bundles and the viewer's script and style
    sheet to ``paths`` (named as :func:`asset_names` names them)."""
    import bokeh

    static = Path(bokeh.__file__).parent / "server" / "static" / "js"
    for path in map(Path, paths):
        if path.name.startswith("framescape."):
            source = VIEWER_FILES / path.name
        else:
            bundle = path.name.rsplit("-", 1)[0]
            source = static / f"{bundle}.min.js"
        with atomic_path(path) as tmp:
            shutil.copyfile(source, tmp)


def thumbnail_urls(results, items, width=THUMBNAIL_WIDTH):
    """Every frame as a small JPEG ``data:`` URL, in frame order.

    The map draws pictures through Bokeh's ImageURL glyph, which asks for images
    with a CORS request: a page opened from the file system may not load its own
    files that way, but ``data:`` URLs are allowed everywhere.
    """
    from PIL import Image

    from framescape.pictures import thumbnail

    urls = []
    for item in items:
        picture = thumbnail(f"{results}/{item['src']}", width, Image.BILINEAR)
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=THUMBNAIL_QUALITY)
        urls.append(
            "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()
        )
    return urls


def thumbnail_script(movie, urls):
    """``<movie>/thumbnails.js``: loaded by the viewer the first time it zooms in."""
    return f"framescape.addThumbnails({json.dumps(movie)}, {json.dumps(urls)});\n"


def format_duration(seconds):
    seconds = float(seconds)
    minutes, rest = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    if hours:
        return f"{hours}:{minutes:02d}:{rest:04.1f}"
    return f"{minutes}:{rest:04.1f}"


def viewer_layout(items, keys, nearest, movie):
    """The Bokeh layout of one movie's viewer.

    Parameters
    ----------
    items : the movie's JSON (one dict per frame)
    keys : ``"<method>_<metric>"`` maps, in menu order
    nearest : ``{metric: (N, k) int32}`` from :func:`nearest_frames`
    movie : movie id (CSV file name)
    """
    from bokeh.layouts import column, row
    from bokeh.models import (
        Button,
        ColorBar,
        ColumnDataSource,
        CustomJS,
        Div,
        HoverTool,
        ImportedStyleSheet,
        Select,
        Slider,
    )
    from bokeh.plotting import figure
    from bokeh.transform import linear_cmap

    n = len(items)
    times = np.array([item["time"] for item in items], np.float64)
    data = {
        "index": np.arange(n, dtype=np.int32),
        "frame": np.array([item["frame"] for item in items], np.int32),
        "time": times,
        "src": [item["src"] for item in items],
        "x": np.array([item[keys[0]][0] for item in items], np.float64),
        "y": np.array([item[keys[0]][1] for item in items], np.float64),
    }
    for key in keys:
        coordinates = np.array([item[key] for item in items], np.float64)
        data[f"{key}_x"], data[f"{key}_y"] = coordinates.T
    source = ColumnDataSource(data, name="frames")
    neighbours = ColumnDataSource(
        {metric: rows.ravel() for metric, rows in nearest.items()}, name="nearest"
    )
    k = next(iter(nearest.values())).shape[1] if nearest else 0
    thumbnails = ColumnDataSource({"x": [], "y": [], "src": []}, name="thumbnails")
    marker = ColumnDataSource({"x": data["x"][:1], "y": data["y"][:1]}, name="marker")

    plot = figure(
        name="map",
        width=760,
        height=700,
        x_range=(0, 1),
        y_range=(0, 1),
        match_aspect=True,
        tools="pan,wheel_zoom,box_select,lasso_select,reset,save",
        active_scroll="wheel_zoom",
        active_drag="pan",
        output_backend="webgl",
        toolbar_location="above",
    )
    plot.axis.visible = False
    plot.grid.visible = False
    colours = linear_cmap(
        "time", "Viridis256", float(times.min()), float(max(times.max(), 1e-9))
    )
    path = plot.line(
        "x", "y", source=source, line_color="#8a8a8a", line_alpha=0.35, name="path"
    )
    plot.image_url(
        url="src",
        x="x",
        y="y",
        w=96,
        h=72,
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
    plot.add_tools(
        HoverTool(
            renderers=[points],
            tooltips=(
                '<div><img src="@src" alt="frame @frame" style="width:160px">'
                "<div>frame @frame · @time{0.00} s</div></div>"
            ),
        )
    )

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
    )
    play = Button(label="▶ Play", width=90, name="play", disabled=n < 2)
    export = Button(label="Export selection (CSV)", name="export_csv")
    style = ImportedStyleSheet(url=f"{ASSETS}/framescape.css")
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
        "neighbours": neighbours,
        "k": k,
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

    def call(function):
        """A callback handing every shared model to ``framescape.<function>``."""
        viewer = "{" + ", ".join(shared) + "}"
        return CustomJS(args=shared, code=f"framescape.{function}({viewer}, cb_obj)")

    choose.js_on_change("value", call("switchMap"))
    slider.js_on_change("value", call("moveMarker"))
    play.js_on_event("button_click", call("togglePlay"))
    export.js_on_event("button_click", call("exportCsv"))
    source.selected.js_on_change("indices", call("showSelection"))
    plot.js_on_event("tap", call("showFrame"))
    plot.js_on_event("rangesupdate", call("updateThumbnails"))
    return row(
        column(plot, row(play, slider, sizing_mode="stretch_width"), width=760),
        column(choose, export, status, details),
    )


def viewer_page(items, keys, nearest, movie, file_name, probe, fps, assets):
    """The complete HTML page of one movie's viewer; ``assets`` as :func:`asset_names`."""
    from bokeh.embed import components

    script, div = components(viewer_layout(items, keys, nearest, movie))
    facts = [f"{len(items)} frames at {fps:g} per second"]
    if probe.get("duration"):
        facts.append(f"{format_duration(probe['duration'])} long")
    if probe.get("width"):
        facts.append(f"source {probe['width']}×{probe['height']}")
    return page(
        file_name,
        f'<p class="fs-facts">{html.escape(" · ".join(facts))}</p>\n{div}',
        assets,
        script,
    )


def page(title, body, assets, script="", back_link=True):
    """Our HTML around a page body; ``title`` is escaped, ``body`` is HTML."""
    scripts = "\n".join(
        f'<script src="{ASSETS}/{name}"></script>'
        for name in assets
        if name.endswith(".js")
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{html.escape(title)} · framescape</title>
<link rel="stylesheet" href="{ASSETS}/framescape.css">
{scripts}
</head>
<body>
<header>{'<a href="index.html">All movies</a>' if back_link else ""}<h1>{html.escape(title)}</h1></header>
<main>
{body}
</main>
{script}
</body>
</html>
"""


def index_page(rows, summaries, assets):
    """``results/index.html``: every movie with a thumbnail, its frame count and
    a link to its viewer; movies that failed are listed with the reason.

    Parameters
    ----------
    rows : ``movies.tsv`` rows (``movie``, ``file``, ``status``, …)
    summaries : ``{movie: {"frames": int, "duration": float, "thumbnail": src}}``
        for the movies that have a JSON.
    """
    cards = []
    for row in rows:
        movie, name = row["movie"], html.escape(row["file"])
        summary = summaries.get(movie)
        if summary is None:
            reason = html.escape(row["status"] if row["status"] != "ok" else "no map")
            cards.append(
                f'<li class="fs-card fs-failed"><span class="fs-name">{name}</span>'
                f'<span class="fs-reason">{reason}</span></li>'
            )
            continue
        link = html.escape(f"{movie}.html", quote=True)
        thumbnail = html.escape(summary["thumbnail"], quote=True)
        facts = f"{summary['frames']} frames · {format_duration(summary['duration'])}"
        cards.append(
            f'<li class="fs-card"><a href="{link}"><img src="{thumbnail}" alt="">'
            f'<span class="fs-name">{name}</span>'
            f'<span class="fs-facts">{facts}</span></a></li>'
        )
    body = f'<ul class="fs-movies">\n{chr(10).join(cards)}\n</ul>'
    return page("Movies", body, assets, back_link=False)


def movie_summary(items):
    """Frame count, duration and the middle frame of a movie's JSON."""
    return {
        "frames": len(items),
        "duration": items[-1]["time"] if items else 0.0,
        "thumbnail": items[len(items) // 2]["src"] if items else "",
    }


def viewer_step(
    json_path, probe_path, nearest_npys, assets, outputs, movie, maps, metrics, file_name, fps
):
    """Rule ``make_viewer``: ``<movie>.html`` and ``<movie>/thumbnails.js``."""
    items = load_json(json_path)
    nearest = {metric: np.load(path) for metric, path in zip(metrics, nearest_npys)}
    text = viewer_page(
        items,
        maps,
        nearest,
        movie,
        file_name,
        load_json(probe_path),
        fps,
        [Path(path).name for path in assets],
    )
    save_text(outputs.page, text)
    urls = thumbnail_urls(Path(json_path).parent, items)
    save_text(outputs.thumbnails, thumbnail_script(movie, urls))
    log.info(
        "%d frames, %d maps; page %d bytes, thumbnails %d bytes",
        len(items),
        len(maps),
        len(text),
        sum(map(len, urls)),
    )


def index_step(movies_tsv, json_paths, assets, output, movies):
    """Rule ``make_index``: ``index.html``."""
    rows = read_movies_tsv(movies_tsv)
    summaries = {
        movie: movie_summary(load_json(path)) for movie, path in zip(movies, json_paths)
    }
    names = [Path(path).name for path in assets]
    save_text(output, index_page(rows, summaries, names))
    log.info("%d movies", len(rows))


def assets_step(outputs):
    """Rule ``copy_viewer_assets``."""
    copy_assets(outputs)
    log.info("copied %s", ", ".join(Path(path).name for path in outputs))
