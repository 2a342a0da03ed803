"""What the pages show of reused footage (``results/reuse.tsv``): the index's
listing of the stretches found in two places, and ``results/reuse.js``, the
stretches of every movie for the marks on its viewer's timeline.

Each stretch is shown from its first frame: the first of the movie's sampled
frames (``results/<movie>/frames.tsv``) at or after its start, the frame whose
picture the index shows and at which its viewer opens (``<movie>.html#frame=N``,
N the frame's number as in ``frames.tsv`` and ``<movie>.json``)."""


import json
from pathlib import Path

from framescape.common import (
    FramescapeError,
    format_duration,
    load_frames_tsv,
    load_tsv,
    log,
    save_text,
)
from framescape.pages.toolkit import time_range


def read_reuse_tsv(path):
    """``reuse.tsv``'s rows as dicts, in the file's order (best score first):
    ``movie_a`` and ``movie_b`` as text, the times (s) and ``score`` as floats."""
    return [
        {
            key: value if key.startswith("movie") else float(value)
            for key, value in row.items()
        }
        for row in load_tsv(path)
    ]


def stretch_side(movie, start, end, files, frames):
    """One place of a stretch: ``movie`` (id) from ``start`` to ``end`` s, with
    its file name (``files[movie]``), its times as text, its first and last
    frames' numbers, the first frame's picture (relative to the results folder)
    and the link that opens the movie's viewer at it."""
    times = [frame["time"] for frame in frames]
    first, last = time_range(times, start, end)
    frame = frames[first]["frame"]
    return {
        "movie": movie,
        "file": files[movie],
        "start": start,
        "end": end,
        "start_text": format_duration(start),
        "end_text": format_duration(end),
        "frame": frame,
        "last_frame": frames[last]["frame"],
        "picture": f"{movie}/{frames[first]['file']}",
        "link": f"{movie}.html#frame={frame}",
    }


def reuse_listing(rows, results, files):
    """The index's listing: per row of ``reuse.tsv``, ``{"a": side, "b": side,
    "score": float}``, each side a :func:`stretch_side`, in the rows' order.

    Parameters
    ----------
    rows : ``reuse.tsv`` rows (:func:`read_reuse_tsv`).
    results : path of the results folder (each movie's ``<movie>/frames.tsv``).
    files : ``{movie id: original file name}`` (``movies.tsv``).

    Raises
    ------
    FramescapeError
        If a movie's ``frames.tsv`` lists no frames (none to show its
        stretches from).
    """
    frames = {}

    def side(row, which):
        movie = row[f"movie_{which}"]
        if movie not in frames:
            path = Path(results, movie, "frames.tsv")
            frames[movie] = load_frames_tsv(path)
            if not frames[movie]:
                raise FramescapeError(
                    f"{path} lists no frames, yet reuse.tsv names {movie}: "
                    f"delete {path.parent} and run the workflow again"
                )
        return stretch_side(
            movie, row[f"start_{which}"], row[f"end_{which}"], files, frames[movie]
        )

    return [
        {"a": side(row, "a"), "b": side(row, "b"), "score": row["score"]}
        for row in rows
    ]


def movie_stretches(listing):
    """Every movie's reused stretches, for its viewer: ``{movie id: [stretch,
    …]}`` in time order, a stretch being ``{"start", "end", "start_text",
    "end_text", "frame", "last_frame", "score", "also": [side, …]}`` (its own
    place, the best score among its rows, and the other places it appears,
    best first). A stretch found in several rows at the same times is one
    stretch; a repeat inside one movie is two of that movie's stretches, each
    naming the other."""
    own_keys = ("start", "end", "start_text", "end_text", "frame", "last_frame")
    stretches = {}
    for entry in listing:
        for here, there in ((entry["a"], entry["b"]), (entry["b"], entry["a"])):
            place = (here["start"], here["end"])
            movie = stretches.setdefault(here["movie"], {})
            stretch = movie.setdefault(
                place,
                {**{key: here[key] for key in own_keys}, "score": 0.0, "also": []},
            )
            stretch["score"] = max(stretch["score"], entry["score"])
            stretch["also"].append({**there, "score": entry["score"]})
    return {
        movie: [places[place] for place in sorted(places)]
        for movie, places in stretches.items()
    }


def reuse_script(rows, results, files):
    """The text of ``results/reuse.js``: hands :func:`movie_stretches` of
    ``rows`` to the viewers (``framescape.addReuse``), which load it as
    ``<script src="reuse.js">``. Arguments as :func:`reuse_listing`'s.

    File names travel as JSON strings in a script file of their own (as
    ``nearest.js`` and ``thumbnails.js`` carry theirs), and the viewer shows
    them as text.
    """
    stretches = movie_stretches(reuse_listing(rows, results, files))
    return f"framescape.addReuse({json.dumps(stretches)});\n"


def script_step(reuse_tsv, output, files):
    """Rule ``reuse_script``: ``results/reuse.js`` (``output``) from
    ``results/reuse.tsv``, ``files`` being ``{movie id: file name}`` of every
    movie it may name; each movie's ``frames.tsv`` is read beside the table."""
    rows = read_reuse_tsv(reuse_tsv)
    save_text(output, reuse_script(rows, Path(reuse_tsv).parent, files))
    log.info("%d reused stretches", len(rows))
