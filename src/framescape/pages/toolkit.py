"""What every page shares: the Jinja2 templates, the assets folder
``results/_viewer/`` (rule ``copy_viewer_assets``: BokehJS, ``assets/`` and a
manifest naming the Bokeh) and its check, the map's Bokeh figure, coordinates as
16-bit steps, picture names rebuilt from a frame's place, and the scripts a
viewer loads later: ``<movie>/thumbnails.js`` (each frame as a small JPEG
``data:`` URL) and ``<movie>/nearest.js`` (each frame's nearest frames)."""


import base64
import bisect
import io
import json
import re
import shutil
from pathlib import Path
from typing import NamedTuple

import jinja2
import numpy as np

from framescape.common import (
    FramescapeError,
    atomic_path,
    load_json,
    log,
    map_label,
    save_json,
)
from framescape.pages.pictures import thumbnail

PACKAGE = Path(__file__).parent
VIEWER_FILES = PACKAGE / "assets"
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(PACKAGE / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
# The BokehJS bundles copied for the pages, in loading order. A page loads
# bokeh-gl only when its map is drawn with WebGL: both maps are drawn on a 2-D
# canvas, the folder map's WebGL figure is for its benchmark to compare.
BOKEH_BUNDLES = ("bokeh", "bokeh-gl", "bokeh-widgets")
WEBGL_BUNDLE = "bokeh-gl"
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
# The tables the pages place on a movie's frames (reuse.tsv, shots.tsv) give
# times in whole milliseconds: a frame within half of one of a time is at it.
TIME_ROUNDING = 0.0005
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


def page_scripts(bokeh_version, webgl=False):
    """The scripts a page loads from the assets folder, in loading order
    (BokehJS's WebGL bundle only if ``webgl``).

    The BokehJS files have fixed names; ``?v=`` keeps a browser from taking an
    older Bokeh's file from its cache after an upgrade.
    """
    bundles = [b for b in BOKEH_BUNDLES if webgl or b != WEBGL_BUNDLE]
    return [f"{bundle}.min.js?v={bokeh_version}" for bundle in bundles] + [
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


def time_range(times, start, end):
    """The places in ``times`` (a movie's sampled frames' times, s, in order, at
    least one) of a span from ``start`` to ``end`` s: ``(first, last)``, the
    first and last frames inside it; when none is (frames sampled further apart
    than the span is long, or a span past the last frame), the frame nearest
    its middle for both."""
    first = bisect.bisect_left(times, start - TIME_ROUNDING)
    last = bisect.bisect_right(times, end + TIME_ROUNDING) - 1
    if first <= last:
        return first, last
    middle = (start + end) / 2
    nearest = min(
        (i for i in (first - 1, first) if 0 <= i < len(times)),
        key=lambda i: abs(times[i] - middle),
    )
    return nearest, nearest


def js_call(shared, function, library="framescape"):
    """A CustomJS callback calling ``<library>.<function>(v, cb_obj)``, ``v``
    the object of every model and value in ``shared`` (``{name: model}``)."""
    from bokeh.models import CustomJS

    viewer = "{" + ", ".join(shared) + "}"
    return CustomJS(args=shared, code=f"{library}.{function}({viewer}, cb_obj)")


def map_figure(width, height, backend="canvas"):
    """The map's Bokeh figure, named ``map``, of both pages (a movie's viewer
    and the folder map): the unit square, no axes or grid, drawn on
    ``backend`` (``"canvas"``, a 2-D canvas, or ``"webgl"``), pan, zoom and
    the box and lasso selections."""
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
        output_backend=backend,
        toolbar_location="above",
    )
    plot.axis.visible = False
    plot.grid.visible = False
    return plot


class MapSteps(NamedTuple):
    """Every map of a page as :func:`quantised` steps: ``steps`` and
    ``scales``, ``{key: …}``; ``x`` and ``y``, the first map's coordinates as
    the page draws them (:func:`unquantised`)."""

    steps: dict
    scales: dict
    x: np.ndarray
    y: np.ndarray


def map_steps(items, keys):
    """:class:`MapSteps` of the maps ``keys`` (``"<method>_<metric>"``) of
    ``items`` (a movie's or the folder's JSON, one dict per frame)."""
    steps, scales = {}, {}
    for key in keys:
        coordinates = np.array([item[key] for item in items], np.float64)
        steps[key], scales[key] = quantised(coordinates)
    x, y = unquantised(steps[keys[0]], scales[keys[0]])
    return MapSteps(steps, scales, x, y)


def maps_source(steps, keys):
    """The data source ``maps`` of both pages: each map's steps, a column per
    axis (``<key>_x``, ``<key>_y``), which the pages' scripts turn into
    coordinates when the map is switched."""
    from bokeh.models import ColumnDataSource

    return ColumnDataSource(
        {
            f"{key}_{axis}": steps[key][:, a]
            for key in keys
            for a, axis in enumerate("xy")
        },
        name="maps",
    )


def frame_points(plot, source, size, fill_color, nonselection_fill_alpha):
    """The frames drawn on ``plot`` as points named ``points``, without
    outline, selected ones ringed in red and the others faded."""
    return plot.scatter(
        "x",
        "y",
        source=source,
        size=size,
        fill_color=fill_color,
        line_color=None,
        selection_line_color="#d62728",
        nonselection_fill_alpha=nonselection_fill_alpha,
        name="points",
    )


def picture_hover(plot, points, tooltips, formatter, **options):
    """A hover on ``points`` showing the frame's picture: ``tooltips`` asks
    for ``$index{…}``, which ``formatter`` (a CustomJSHover) answers;
    ``options`` go to the HoverTool, which is returned."""
    from bokeh.models import HoverTool

    hover = HoverTool(
        renderers=[points],
        **options,
        tooltips=tooltips,
        formatters={"$index": formatter},
    )
    plot.add_tools(hover)
    return hover


def map_menu(keys):
    """The menu ``map_select`` of the maps ``keys``, named for people
    (:func:`framescape.common.map_label`), the first chosen."""
    from bokeh.models import Select

    return Select(
        title="Map",
        value=keys[0],
        options=[(key, map_label(key)) for key in keys],
        name="map_select",
    )


def export_controls():
    """The button that exports the selection as CSV (``export_csv``) and the
    line below it that counts the selection or says how to make one
    (``status``)."""
    from bokeh.models import Button, Div

    export = Button(label="Export selection (CSV)", name="export_csv")
    status = Div(text="", name="status")
    return export, status


def page_document(layout, shared, function, library="framescape"):
    """``layout`` as the one root of its own document, calling
    ``<library>.<function>`` (:func:`js_call`) once the page has drawn it."""
    from bokeh.document import Document

    Document().add_root(layout)
    layout.document.js_on_event("document_ready", js_call(shared, function, library))
    return layout


def assets_step(folder):
    """Rule ``copy_viewer_assets``: ``results/_viewer/``."""
    names = copy_assets(folder)
    log.info("copied %s and %s", ", ".join(names), MANIFEST)
