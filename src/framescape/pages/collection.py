"""The folder map's page: ``results/collection.html``, every frame of every
movie in ``results/collection.json`` as one point, coloured by movie.

Built like a movie's viewer (:mod:`framescape.pages.viewer`: a Bokeh document in
a Jinja2 template, the same assets folder, maps as 16-bit steps in Bokeh's binary
arrays) and kept small for 100 movies of 1,000 frames
(``benchmarks/collection_page.py``): per frame the page holds only its
coordinates, its movie's number, its frame number and time; each movie's
pictures are one numbered pattern, and the hover asks for a frame's PNG only
when it shows it.

The movies' names are in the page's legend (the template's, so text) and in
the document, for the hover. ``assets/collection.js`` does the rest:
the legend's showing and hiding, the movies' paths, the map switch, a click
opening the movie's viewer at the frame (``<movie>.html#frame=N``) and the
selection's CSV."""


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
    frame_points,
    js_call,
    map_figure,
    map_menu,
    map_steps,
    maps_source,
    numbered_pictures,
    page_document,
    page_scripts,
    picture_hover,
)
from framescape.run.movies import read_movies_tsv

# The page's script beside framescape.js in the assets folder.
SCRIPT = "collection.js"


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
    ``(N,)`` uint8, uint16 or uint32, the smallest that holds them (Bokeh sends
    it as a binary array of that dtype, which BokehJS reads as the same typed
    array). Fails unless each movie's frames are together, as
    ``collection.json`` lists them.
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
    """The Bokeh layout of the folder map.

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
    data = collection_sources(items, keys, numbers)
    pictures = movie_pictures(items, numbers, len(movies))
    plot, path = collection_map(data, movies, pictures, names)
    choose = map_menu(keys)
    export, status = export_controls()
    shared = {
        "source": data.source,
        "maps": data.maps,
        "scales": data.scales,
        "pictures": pictures,
        "names": names,
        "movies": movies,
        "paths": data.paths,
        "path": path,
        "plot": plot,
        "choose": choose,
        "status": status,
    }
    choose.js_on_change("value", js_call(shared, "switchMap", "collection"))
    export.js_on_event("button_click", js_call(shared, "exportCsv", "collection"))
    data.source.selected.js_on_change("indices", js_call(shared, "showSelection"))
    plot.js_on_event("tap", js_call(shared, "openFrame", "collection"))
    layout = column(row(choose, export, status), plot)
    return page_document(layout, shared, "ready", "collection")


def check_maps(items, keys, collection_json):
    """Fail unless the frames of ``collection.json`` have every map ``keys``."""
    missing = [key for key in keys if key not in items[0]]
    if missing:
        raise ValueError(
            f"{collection_json} has no map {', '.join(missing)}: make it again "
            "with the same collection settings"
        )


class CollectionSources(NamedTuple):
    """The data the folder map draws (:func:`collection_sources`): ``source``,
    the frames (the first map's ``x`` and ``y``, ``movie``, ``frame``,
    ``time``); ``maps`` and ``scales``, every map's steps; ``paths``, the
    shown movies' lines (filled by collection.js)."""

    source: object
    maps: object
    scales: dict
    paths: object


def collection_sources(items, keys, numbers):
    """The :class:`CollectionSources` of ``collection.json``'s ``items``, its
    maps ``keys`` and each frame's movie number (``numbers``)."""
    from bokeh.models import ColumnDataSource

    steps = map_steps(items, keys)
    source = ColumnDataSource(
        {
            "x": steps.x,
            "y": steps.y,
            "movie": numbers,
            "frame": np.array([item["frame"] for item in items], np.int32),
            "time": np.array([item["time"] for item in items], np.float64),
        },
        name="frames",
    )
    maps = maps_source(steps.steps, keys)
    # Filled by collection.js: a line for each movie shown.
    paths = ColumnDataSource({"xs": [], "ys": [], "movie": []}, name="paths")
    return CollectionSources(source, maps, steps.scales, paths)


def collection_map(data, movies, pictures, names):
    """The folder map of :class:`CollectionSources` ``data``: each shown
    movie's path and its frames in the movie's colour, and a hover showing a
    frame's picture (``pictures``, each movie's), movie (``names``) and time.
    Returns ``(plot, path)``."""
    from bokeh.models import CustomJSHover, LinearColorMapper

    colours = LinearColorMapper(
        palette=movie_colours(len(movies)),
        # Movie m's colour is the palette's m-th: half a step either side.
        low=-0.5,
        high=len(movies) - 0.5,
    )
    plot = map_figure(900, 760)
    path = plot.multi_line(
        "xs",
        "ys",
        source=data.paths,
        line_color={"field": "movie", "transform": colours},
        line_alpha=0.3,
        name="path",
    )
    points = frame_points(
        plot, data.source, 6, {"field": "movie", "transform": colours}, 0.2
    )
    picture_hover(
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
    return plot, path


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
    facts = []
    if items:
        movies, numbers = movie_numbers(items, collection_json)
        movie_names = [names.get(movie, movie) for movie in movies]
        script, div = components(
            collection_layout(
                items, keys, movies, numbers, movie_names, collection_json
            )
        )
        legend = [
            {"name": name, "colour": colour}
            for name, colour in zip(movie_names, movie_colours(len(movies)))
        ]
        plural = "movie" if len(movies) == 1 else "movies"
        facts.append(f"{len(items):,} frames of {len(movies)} {plural}")
    return TEMPLATES.get_template("collection.html").render(
        title="Map of the whole folder",
        assets=assets,
        scripts=page_scripts(bokeh.__version__) + [SCRIPT],
        facts=facts,
        legend=legend,
        failed=failed,
        bokeh_div=div,
        bokeh_script=script,
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
