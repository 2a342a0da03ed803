"""The folder map's page: ``results/collection.html``, every frame of every
movie in ``results/collection.json`` as one point, coloured by movie.

Built like a movie's viewer (:mod:`framescape.pages.viewer`: a Bokeh document in
a Jinja2 template, the same assets folder, maps as 16-bit steps) and made to
open within seconds at a million frames (``benchmarks/collection_page.py``):

- per frame the page holds only each map's steps, its frame number and time,
  as binary blocks beside the Bokeh document (:func:`data_blocks`), which the
  page reads itself; a movie's frames are numbered by their count alone;
- each movie's pictures are one numbered pattern, and the hover asks for a
  frame's PNG only when it shows it;
- the points and paths are drawn as one picture of the view
  (``assets/raster.js``), under a glyph that BokehJS does not paint and that
  serves the hover, the click and the selection tools.

The movies' names are in the page's legend (the template's, so text) and in
the document, for the hover. ``assets/collection.js`` does the rest:
the legend's showing, hiding and search, the map switch, a click opening the
movie's viewer at the frame (``<movie>.html#frame=N``) and the selection's
CSV."""


import base64
import gzip
import itertools
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

from framescape.common import load_json, log, save_text
from framescape.pages.toolkit import (
    HOVER_SIDE,
    TEMPLATES,
    check_assets,
    export_controls,
    js_call,
    map_figure,
    map_menu,
    numbered_pictures,
    page_document,
    page_scripts,
    picture_hover,
    quantised,
)
from framescape.run.movies import read_movies_tsv

# The page's scripts beside framescape.js in the assets folder.
SCRIPTS = ["raster.js", "collection.js"]
# What the map is drawn on: a 2-D canvas (benchmarks/collection_page.py
# --backend webgl measures WebGL).
BACKEND = "canvas"
# A point's diameter in CSS pixels: its glyph's (for the hover) and
# raster.js's, which draws it.
POINT_SIZE = 6


def movie_colours(count):
    """``count`` colours, one a movie in legend order: Category20's ten strong
    colours, then its ten light ones, again and again (past 20 movies the
    legend and the hover tell them apart by name)."""
    from bokeh.palettes import Category20

    palette = Category20[20][0::2] + Category20[20][1::2]
    return [palette[m % len(palette)] for m in range(count)]


def movie_numbers(items, collection_json):
    """The movies in order of appearance and each frame's movie number.

    Returns ``(movies, numbers)``: ``movies`` a list of ids, ``numbers``
    ``(N,)`` unsigned integers. Fails unless each movie's frames are
    together, as ``collection.json`` lists them (the page sends only each
    movie's count of frames).
    """
    movies, numbers = [], {}
    column = []
    for item in items:
        movie = item["movie"]
        if movie not in numbers:
            numbers[movie] = len(movies)
            movies.append(movie)
        elif numbers[movie] != column[-1]:
            raise ValueError(
                f"{collection_json}: the frames of {movie} are not together; "
                "the file lists movie after movie"
            )
        column.append(numbers[movie])
    return movies, np.array(column, np.min_scalar_type(max(len(movies) - 1, 0)))


def movie_pictures(items, numbers, count):
    """Each movie's picture names, as the page rebuilds them from a frame's
    place in its movie: :func:`framescape.pages.toolkit.numbered_pictures`'s pattern,
    or the list of names when they are not numbered in order."""
    starts = np.searchsorted(numbers, np.arange(count + 1))
    pictures = []
    for start, stop in itertools.pairwise(starts):
        sources = [item["src"] for item in items[start:stop]]
        pictures.append(numbered_pictures(sources) or sources)
    return pictures


def collection_layout(items, keys, movies, numbers, names, collection_json):
    """The Bokeh layout of the folder map and the page's data blocks
    (:func:`data_blocks`).

    Parameters
    ----------
    items : ``collection.json`` (one dict per frame, movie after movie)
    keys : ``"<method>_<metric>"`` maps, in menu order
    movies : movie ids, in the order of the legend
    numbers : ``(N,)`` each frame's place in ``movies``
    names : each movie's file name, in the order of ``movies``
    collection_json : the file ``items`` came from (named in errors)
    """
    from bokeh.layouts import column, row

    check_maps(items, keys, collection_json)
    data = collection_sources(items, keys)
    pictures = movie_pictures(items, numbers, len(movies))
    plot, points, hover = collection_map(data, pictures, names)
    choose = map_menu(keys)
    export, status = export_controls()
    shared = {
        "source": data.source,
        "scales": data.scales,
        "counts": np.bincount(numbers, minlength=len(movies)).tolist(),
        "pictures": pictures,
        "names": names,
        "movies": movies,
        "colours": movie_colours(len(movies)),
        "size": POINT_SIZE,
        "raster": data.raster,
        "plot": plot,
        "points": points,
        "hover": hover,
        "choose": choose,
        "status": status,
    }
    choose.js_on_change("value", js_call(shared, "switchMap", "collection"))
    export.js_on_event("button_click", js_call(shared, "exportCsv", "collection"))
    data.source.selected.js_on_change(
        "indices", js_call(shared, "selectionChanged", "collection")
    )
    plot.js_on_event("tap", js_call(shared, "openFrame", "collection"))
    plot.js_on_event("panstart", js_call(shared, "dragStarted", "collection"))
    plot.js_on_event("panend", js_call(shared, "dragEnded", "collection"))
    for axis in (plot.x_range, plot.y_range):
        for end in ("start", "end"):
            axis.js_on_change(end, js_call(shared, "viewChanged", "collection"))
    layout = column(row(choose, export, status), plot)
    return page_document(layout, shared, "ready", "collection"), data.blocks


def check_maps(items, keys, collection_json):
    """Fail unless the frames of ``collection.json`` have every map ``keys``."""
    missing = [key for key in keys if key not in items[0]]
    if missing:
        raise ValueError(
            f"{collection_json} has no map {', '.join(missing)}: make it again "
            "with the same collection settings"
        )


class CollectionSources(NamedTuple):
    """The data of the folder map (:func:`collection_sources`): ``source``,
    the frames' columns (``x``, ``y``, ``movie``, ``frame``, ``time``), empty
    until collection.js fills them from ``blocks``; ``scales``, every map's
    (:func:`framescape.pages.toolkit.quantised`); ``raster``, the picture of
    the view that raster.js draws the frames in."""

    source: object
    scales: dict
    raster: object
    blocks: dict


def collection_sources(items, keys):
    """The :class:`CollectionSources` of ``collection.json``'s ``items`` and
    its maps ``keys``."""
    from bokeh.models import ColumnDataSource

    steps, scales = {}, {}
    for key in keys:
        coordinates = np.array([item[key] for item in items], np.float64)
        steps[key], scales[key] = quantised(coordinates)
    frames = np.array([item["frame"] for item in items], np.int32)
    times = np.array([item["time"] for item in items], np.float64)
    source = ColumnDataSource(
        {
            "x": np.zeros(0, np.float32),
            "y": np.zeros(0, np.float32),
            "movie": np.zeros(0, np.uint32),
            "frame": np.zeros(0, np.int32),
            "time": np.zeros(0, np.float64),
        },
        name="frames",
    )
    raster = ColumnDataSource(
        {
            "image": [np.zeros((1, 1), np.uint32)],
            "x": [0.0],
            "y": [0.0],
            "dw": [1.0],
            "dh": [1.0],
        },
        name="raster",
    )
    return CollectionSources(source, scales, raster, data_blocks(steps, frames, times))


def data_blocks(steps, frames, times):
    """The page's data, outside the Bokeh document: ``{name: text}``, each the
    base64 of gzip-compressed little-endian values, which the page reads
    itself (``<script type="application/octet-stream">``: parsed as text,
    never as JavaScript). A million frames hold tens of megabytes: inside
    Bokeh's document they would be parsed as one JavaScript string, then
    JSON, then decoded, seconds before the first point is drawn.

    ``map-<key>``: the map's :func:`~framescape.pages.toolkit.quantised`
    steps, uint16, every x then every y (``steps``, ``{key: (N, 2)}``);
    ``frame``: ``frames``, int32; ``time``: ``times``, float64, s.
    """
    arrays = {
        f"map-{key}": np.ascontiguousarray(pairs.T, "<u2")
        for key, pairs in steps.items()
    }
    arrays["frame"] = np.asarray(frames, "<i4")
    arrays["time"] = np.asarray(times, "<f8")
    return {
        name: base64.b64encode(
            gzip.compress(array.tobytes(), compresslevel=6, mtime=0)
        ).decode()
        for name, array in arrays.items()
    }


def collection_map(data, pictures, names):
    """The folder map of :class:`CollectionSources` ``data``: the picture of
    the view (raster.js draws each shown movie's path and its frames in the
    movie's colour), under the frames' own glyph, which is not painted and
    serves the hover, the click and the selection tools; the hover shows a
    frame's picture (``pictures``, each movie's), movie (``names``) and time.
    Returns ``(plot, points, hover)``: the figure, the frames' glyph
    renderer and the hover."""
    from bokeh.models import CustomJSHover

    plot = map_figure(900, 760, BACKEND)
    plot.image_rgba(
        image="image",
        x="x",
        y="y",
        dw="dw",
        dh="dh",
        source=data.raster,
        name="picture",
    )
    points = plot.scatter(
        "x",
        "y",
        source=data.source,
        size=POINT_SIZE,
        # Not painted: BokehJS skips a marker whose angle is not a number,
        # and its hit tests (hover, click, selection) do not read the angle
        # (BokehJS's own code: pyproject.toml holds Bokeh to one minor
        # release, and tests/browser/test_large_folder_page.py checks it).
        angle=float("nan"),
        fill_color=None,
        line_color=None,
        name="points",
    )
    hover = picture_hover(
        plot,
        points,
        '<div class="fs-hover"><img src="$index{picture}" '
        f'alt="frame @frame" style="max-width:{HOVER_SIDE}px;'
        f'max-height:{HOVER_SIDE}px"><div class="fs-hover-movie">'
        "$index{movie}</div><div>frame @frame · @time{0.00} s</div></div>",
        CustomJSHover(
            name="hover_text",
            args={"source": data.source, "pictures": pictures, "names": names},
            code="return collection.hoverText({source, pictures, names}, "
            "value, format);",
        ),
        # One frame at a time: where thousands of points overlap, one
        # picture, not a column of them.
        limit=1,
    )
    return plot, points, hover


def collection_page(items, keys, names, failed, assets, collection_json):
    """The complete HTML page of the folder map.

    Parameters
    ----------
    items : ``collection.json``
    keys : ``"<method>_<metric>"`` maps, in menu order
    names : ``{movie: file name}`` of the movies on the map
    failed : ``[{"name", "reason"}]``, the movies left out, in folder order
    assets : the assets folder, relative to the page
    collection_json : the file ``items`` came from (named in errors)
    """
    import bokeh
    from bokeh.embed import components

    script = div = None
    legend = []
    blocks = {}
    facts = []
    if items:
        movies, numbers = movie_numbers(items, collection_json)
        movie_names = [names.get(movie, movie) for movie in movies]
        layout, blocks = collection_layout(
            items, keys, movies, numbers, movie_names, collection_json
        )
        script, div = components(layout)
        legend = [
            {"name": name, "colour": colour}
            for name, colour in zip(movie_names, movie_colours(len(movies)))
        ]
        plural = "movie" if len(movies) == 1 else "movies"
        facts.append(f"{len(items):,} frames of {len(movies)} {plural}")
    return TEMPLATES.get_template("collection.html").render(
        title="Map of the whole folder",
        assets=assets,
        scripts=page_scripts(bokeh.__version__, BACKEND == "webgl") + SCRIPTS,
        facts=facts,
        legend=legend,
        failed=failed,
        bokeh_div=div,
        bokeh_script=script,
        blocks=blocks,
    )


def left_out(rows, mapped, failed):
    """The movies of the folder that are not on the map, in folder order, as
    ``[{"name", "reason"}]``: the reason their run gave (``failed``), else
    their status in ``movies.tsv``."""
    cards = []
    for row in rows:
        movie = row["movie"]
        if movie in mapped:
            continue
        if movie in failed:
            cards.append(
                {"name": failed[movie]["file"], "reason": failed[movie]["reason"]}
            )
        else:
            reason = row["status"] if row["status"] != "ok" else "not on the map"
            cards.append({"name": row["file"], "reason": reason})
    listed = {row["movie"] for row in rows}
    cards += [
        {"name": entry["file"], "reason": entry["reason"]}
        for movie, entry in failed.items()
        if movie not in listed and movie not in mapped
    ]
    return cards


def collection_page_step(
    collection_json, movies_tsv, assets, output, maps, files, failed
):
    """Rule ``collection_page``: ``results/collection.html``.

    Parameters
    ----------
    collection_json : ``results/collection.json``
    movies_tsv : ``results/movies.tsv`` (the folder's movies, their names and
        status)
    assets : the folder :func:`framescape.pages.toolkit.copy_assets` filled; it must
        hold this job's BokehJS
    output : the page's path
    maps : ``"<method>_<metric>"`` maps of the collection, in menu order
    files : ``{movie: file name}`` of the movies on the map
    failed : ``{movie: {"file", "reason"}}`` of the movies left out because
        they failed
    """
    check_assets(assets)
    items = load_json(collection_json)
    rows = read_movies_tsv(movies_tsv)
    names = {row["movie"]: row["file"] for row in rows} | dict(files)
    mapped = {item["movie"] for item in items}
    text = collection_page(
        items,
        list(maps),
        names,
        left_out(rows, mapped, failed),
        os.path.relpath(assets, Path(output).parent),
        collection_json,
    )
    save_text(output, text)
    log.info(
        "%d frames of %d movies, %d maps; page %d bytes",
        len(items),
        len(mapped),
        len(maps),
        len(text.encode()),
    )
