"""The interactive viewer: ``results/<movie>.html`` per movie and ``results/index.html``.

Pages are Bokeh documents (scatter, hover, box and lasso selection,
widgets) put into Jinja2 templates (``templates/``, autoescaped: every value is
text unless a template marks it safe, which only Bokeh's own HTML is). BokehJS
and the viewer's few functions (``viewer_assets/framescape.js``: smooth
switching, timeline, thumbnails when zoomed, nearest frames, CSV export, the
marks of reused footage — what Bokeh has no model for) are copied once into ``results/_viewer/``, with a
manifest naming the Bokeh they came from. The pages open from the file system or
any static web server, with no network.

A page stays small and quick for long movies (``benchmarks/viewer.py``): the
maps' coordinates are whole numbers of 16 bits in Bokeh's binary arrays, a
numbered picture name is rebuilt from its frame's place, and what a page needs
only later comes in scripts of their own beside it, loaded when first asked
for: ``<movie>/nearest.js`` (each frame's nearest frames, at the first click)
and ``<movie>/thumbnails.js`` (the pictures, when zoomed in). The map is drawn
on a 2-D canvas, not WebGL: where WebGL is drawn in software (no GPU, a virtual
machine, a headless browser) one picture of 50,000 points and their path took
about 2 s with WebGL, and the whole page loads in less than that on the canvas.
"""

import base64
import io
import json
import os
import re
import shutil
from pathlib import Path

import jinja2
import numpy as np

from framescape.common import (
    FramescapeError,
    Progress,
    atomic_path,
    format_duration,
    load_json,
    log,
    map_label,
    save_json,
    save_text,
)
from framescape.movies import read_movies_tsv
from framescape.pictures import thumbnail
from framescape.reuse_view import read_reuse_tsv, reuse_listing

PACKAGE = Path(__file__).parent
VIEWER_FILES = PACKAGE / "viewer_assets"
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(PACKAGE / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
# The BokehJS bundles a viewer loads, in loading order (no bokeh-gl: the map
# is drawn on a canvas).
BOKEH_BUNDLES = ("bokeh", "bokeh-widgets")
# In the assets folder: which Bokeh the bundles are from.
MANIFEST = "manifest.json"
# Largest side, in CSS pixels, of the frame shown on hover and of the pictures
# drawn on the zoomed-in map (the JPEGs of thumbnails.js are made that size).
HOVER_SIDE = 160
THUMBNAIL_SIDE = 96
THUMBNAIL_QUALITY = 80
# Map coordinates go to the page as whole numbers 0 … COORDINATE_STEPS, from
# each axis' smallest to its largest value: a step is 1/65535 of the map, a
# hundredth of a pixel at the page's size, a pixel only zoomed in 94 times.
COORDINATE_STEPS = 65535
# A numbered file name: its last run of digits and what follows.
NUMBER = re.compile(r"(\d+)(\D*)$")


def copy_assets(folder):
    """Fill ``folder`` (``results/_viewer``) with the installed BokehJS bundles,
    the viewer's script and style sheet, and :data:`MANIFEST`, ``{"bokeh":
    version}`` of the Bokeh they came from (checked by :func:`check_assets`)."""
    import bokeh

    static = Path(bokeh.__file__).parent / "server" / "static" / "js"
    sources = [static / f"{bundle}.min.js" for bundle in BOKEH_BUNDLES]
    sources += sorted(VIEWER_FILES.iterdir())
    for source in sources:
        with atomic_path(Path(folder) / source.name) as tmp:
            shutil.copyfile(source, tmp)
    save_json(Path(folder) / MANIFEST, {"bokeh": bokeh.__version__})
    return [source.name for source in sources]


def check_assets(folder):
    """Fail unless ``folder`` holds the BokehJS of the Bokeh this job runs (a
    page made by one Bokeh does not run on another's BokehJS)."""
    import bokeh

    manifest = Path(folder) / MANIFEST
    copied = (
        f"BokehJS {load_json(manifest)['bokeh']}"
        if manifest.is_file()
        else f"no {MANIFEST}"
    )
    if copied != f"BokehJS {bokeh.__version__}":
        raise FramescapeError(
            f"{folder}/ holds {copied} but this job's Bokeh is "
            f"{bokeh.__version__}: delete {folder}/ and run the workflow again"
        )


def page_scripts(bokeh_version):
    """The scripts a viewer loads from the assets folder, in loading order.

    The BokehJS files have fixed names; ``?v=`` keeps a browser from taking an
    older Bokeh's file from its cache after an upgrade.
    """
    return [f"{bundle}.min.js?v={bokeh_version}" for bundle in BOKEH_BUNDLES] + [
        "framescape.js"
    ]


def picture_size(path):
    """``(width, height)`` in pixels of the picture at ``path`` (header only)."""
    from PIL import Image

    with Image.open(path) as picture:
        return picture.size


def fit(size, side):
    """``size`` scaled so that its longer side is ``side``, aspect kept:
    ``(width, height)`` in whole pixels, at least 1."""
    width, height = size
    scale = side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def aspect_ratio(size):
    """Width / height of ``size``, for the pages' ``--fs-aspect``."""
    return round(size[0] / size[1], 4)


def thumbnail_urls(results, items, width, progress=None):
    """Every frame as a JPEG ``data:`` URL ``width`` pixels wide, in frame order
    (``progress(frames done, frames, "thumbnails")`` after each).

    The map draws pictures through Bokeh's ImageURL glyph, which asks for images
    with a CORS request: a page opened from the file system may not load its own
    files that way, but ``data:`` URLs are allowed everywhere.
    """
    from PIL import Image

    urls = []
    for item in items:
        picture = thumbnail(f"{results}/{item['src']}", width, Image.BILINEAR)
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=THUMBNAIL_QUALITY)
        urls.append(
            "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()
        )
        if progress:
            progress(len(urls), len(items), "thumbnails")
    return urls


def thumbnail_script(movie, urls):
    """``<movie>/thumbnails.js``: loaded by the viewer the first time it zooms in."""
    return f"framescape.addThumbnails({json.dumps(movie)}, {json.dumps(urls)});\n"


def nearest_script(movie, nearest):
    """``<movie>/nearest.js``: loaded by the viewer at the first click.

    ``nearest`` is ``{metric: (N, k) int}``; each metric's rows go as one
    base64 string of little-endian integers, 16 bits while frame numbers fit
    (N ≤ 65,536), else 32.
    """
    n, k = next(iter(nearest.values())).shape
    dtype = "<u2" if n <= 2**16 else "<i4"
    rows = {
        metric: base64.b64encode(np.ascontiguousarray(ranked, dtype).tobytes()).decode()
        for metric, ranked in nearest.items()
    }
    bits = 8 * np.dtype(dtype).itemsize
    return (
        f"framescape.addNearest({json.dumps(movie)}, {k}, {bits}, "
        f"{json.dumps(rows)});\n"
    )


def quantised(coordinates):
    """``(N, 2)`` coordinates as whole numbers of :data:`COORDINATE_STEPS` steps.

    Returns ``(steps, scale)``: ``steps`` ``(N, 2) uint16``, ``scale``
    ``[low_x, step_x, low_y, step_y]`` with ``coordinate = low + steps * step``
    (an axis with no spread has step 0).
    """
    low = coordinates.min(axis=0)
    step = (coordinates.max(axis=0) - low) / COORDINATE_STEPS
    steps = np.divide(
        coordinates - low, step, out=np.zeros_like(coordinates), where=step > 0
    )
    scale = [float(value) for pair in zip(low, step) for value in pair]
    return np.rint(steps).astype(np.uint16), scale


def unquantised(steps, scale):
    """The coordinates the page draws for :func:`quantised`'s ``(steps, scale)``:
    ``(x, y)``, float32, computed as framescape.js computes them (in float64,
    rounded once)."""
    low_x, step_x, low_y, step_y = scale
    return (
        (low_x + steps[:, 0] * step_x).astype(np.float32),
        (low_y + steps[:, 1] * step_y).astype(np.float32),
    )


def numbered_pictures(sources):
    """How to rebuild every frame's picture path from its place ``i`` in the
    movie, when the paths are one name numbered in order
    (``demo_year/frames/000001.png`` …): ``{"prefix", "first", "width",
    "suffix"}`` for ``prefix + str(first + i).zfill(width) + suffix``; None
    when they are not."""
    match = NUMBER.search(sources[0])
    if match is None:
        return None
    pattern = {
        "prefix": sources[0][: match.start()],
        "first": int(match.group(1)),
        "width": len(match.group(1)),
        "suffix": match.group(2),
    }
    for i, source in enumerate(sources):
        number = str(pattern["first"] + i).zfill(pattern["width"])
        if source != pattern["prefix"] + number + pattern["suffix"]:
            return None
    return pattern


def js_call(shared, function, library="framescape"):
    """A CustomJS callback calling ``<library>.<function>(v, cb_obj)``, ``v``
    the object of every model and value in ``shared`` (``{name: model}``)."""
    from bokeh.models import CustomJS

    viewer = "{" + ", ".join(shared) + "}"
    return CustomJS(args=shared, code=f"{library}.{function}({viewer}, cb_obj)")


def map_figure(width, height):
    """The map's Bokeh figure, named ``map``, of both pages (a movie's viewer
    and the folder map): the unit square, no axes or grid, drawn on a 2-D
    canvas, pan, zoom and the box and lasso selections."""
    from bokeh.plotting import figure

    plot = figure(
        name="map",
        width=width,
        height=height,
        x_range=(0, 1),
        y_range=(0, 1),
        match_aspect=True,
        tools="pan,wheel_zoom,box_select,lasso_select,reset,save",
        active_scroll="wheel_zoom",
        active_drag="pan",
        output_backend="canvas",
        toolbar_location="above",
    )
    plot.axis.visible = False
    plot.grid.visible = False
    return plot


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
    ``reuse.js`` beside it (:func:`framescape.reuse_view.reuse_script`) and marks
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


def index_page(rows, summaries, assets, collection=None, reuse=None):
    """``results/index.html``: every movie with a picture, its frame count, its
    duration and a link to its viewer; movies without a map are listed with the
    reason; a link to the folder map when there is one; the footage that appears
    more than once, when there is any.

    Parameters
    ----------
    rows : ``movies.tsv`` rows (``movie``, ``file``, ``status``, …)
    summaries : ``{movie: summary}`` from :func:`movie_summary`, for the movies
        that have a map.
    assets : the assets folder, relative to the page.
    collection : the folder map page relative to the index, or None.
    reuse : the reused stretches (:func:`framescape.reuse_view.reuse_listing`)
        of movies in ``summaries``, best first; None or empty: no such section.
    """
    cards = []
    for row in rows:
        summary = summaries.get(row["movie"])
        if summary is None:
            reason = row["status"] if row["status"] != "ok" else "no map"
            cards.append({"name": row["file"], "reason": reason, "link": None})
            continue
        facts = [f"{summary['frames']} frames"]
        if summary["duration"]:
            facts.append(format_duration(summary["duration"]))
        cards.append(
            {
                "name": row["file"],
                "link": f"{row['movie']}.html",
                "picture": summary["picture"],
                "aspect": summary["aspect"],
                "facts": facts,
            }
        )
    pairs = [
        {
            "sides": [
                {**entry[side], "aspect": summaries[entry[side]["movie"]]["aspect"]}
                for side in "ab"
            ],
            "score": f"{entry['score']:.2f}",
        }
        for entry in reuse or []
    ]
    return TEMPLATES.get_template("index.html").render(
        title="Movies", assets=assets, cards=cards, collection=collection, pairs=pairs
    )


def movie_summary(items, probe, results):
    """What the index shows of a movie: its frame count, the probe's duration
    (s, or None), its middle frame (``src``, relative to ``results``) and that
    picture's width / height."""
    picture = items[len(items) // 2]["src"]
    return {
        "frames": len(items),
        "duration": probe.get("duration"),
        "picture": picture,
        "aspect": aspect_ratio(picture_size(Path(results) / picture)),
    }


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

    ``assets`` is the folder :func:`copy_assets` filled; it must hold this job's
    BokehJS. ``reuse``: whether the run finds reused footage, so that the page
    loads ``results/reuse.js`` (see :func:`viewer_page`).
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


def index_step(
    movies_tsv,
    json_paths,
    probe_paths,
    assets,
    output,
    movies,
    collection=None,
    reuse=None,
):
    """Rule ``make_index``: ``index.html``.

    ``json_paths`` and ``probe_paths`` are in the order of ``movies``; a movie
    whose status in ``movies_tsv`` is not ``ok``, or whose JSON does not exist,
    is listed with its status, or "no map". ``collection`` is the path of the
    folder map page (``results/collection.html``) when the run makes it: the
    index links to it. ``reuse`` is the path of ``results/reuse.tsv`` when the
    run finds reused footage: the index lists its stretches between movies
    that have a map (none while the file does not exist). Also called at the
    end of a failed run.
    """
    rows = read_movies_tsv(movies_tsv)
    ok = {row["movie"] for row in rows if row["status"] == "ok"}
    summaries = {}
    for movie, json_path, probe_path in zip(movies, json_paths, probe_paths):
        # A failed movie may keep an earlier run's JSON, its frames gone.
        if movie not in ok or not os.path.isfile(json_path):
            continue
        probe = load_json(probe_path) if os.path.isfile(probe_path) else {}
        summaries[movie] = movie_summary(
            load_json(json_path), probe, Path(json_path).parent
        )
    folder = Path(output).parent
    listing = []
    if reuse and os.path.isfile(reuse):
        # A movie that failed since reuse.tsv was made may have lost its frames.
        shown = [
            row
            for row in read_reuse_tsv(reuse)
            if row["movie_a"] in summaries and row["movie_b"] in summaries
        ]
        files = {row["movie"]: row["file"] for row in rows}
        listing = reuse_listing(shown, folder, files)
    page = index_page(
        rows,
        summaries,
        os.path.relpath(assets, folder),
        collection and os.path.relpath(collection, folder),
        listing,
    )
    save_text(output, page)
    log.info(
        "%d movies, %d with a map, %d reused stretches",
        len(rows),
        len(summaries),
        len(listing),
    )


def assets_step(folder):
    """Rule ``copy_viewer_assets``: ``results/_viewer/``."""
    names = copy_assets(folder)
    log.info("copied %s and %s", ", ".join(names), MANIFEST)
