"""The index, ``results/index.html`` (rule ``make_index``, and again when a run
ends: :mod:`framescape.run.outcomes`): every movie with a picture, its frame
count, its duration, a link to its viewer and, with its shots, their figures,
its barcode and its shot files; movies without a map with the reason; a link
to the folder map and to the folder's table of shots; the listing of reused
footage."""


import os
from pathlib import Path

from framescape.common import format_duration, load_json, log, save_text
from framescape.pages.reuse import read_reuse_tsv, reuse_listing
from framescape.pages.shots import shot_card
from framescape.pages.toolkit import TEMPLATES, aspect_ratio, picture_size
from framescape.run.movies import read_movies_tsv


def index_page(
    rows, summaries, assets, collection=None, reuse=None, shots_table=None
):
    """``results/index.html``: every movie with a picture, its frame count, its
    duration, a link to its viewer and what it shows of its shots; movies
    without a map are listed with the reason; a link to the folder map when
    there is one, and to the folder's table of shots; the footage that appears
    more than once, when there is any.

    Parameters
    ----------
    rows : ``movies.tsv`` rows (``movie``, ``file``, ``status``, …)
    summaries : ``{movie: summary}`` from :func:`movie_summary`, for the movies
        that have a map; ``summary["shots"]``, when there, is the card's
        :func:`~framescape.pages.shots.shot_card`.
    assets : the assets folder, relative to the page.
    collection : the folder map page relative to the index, or None.
    reuse : the reused stretches (:func:`framescape.pages.reuse.reuse_listing`)
        of movies in ``summaries``, best first; None: the run looks for none.
    shots_table : the folder's ``shots.tsv`` relative to the index, or None.

    The folder outputs are shown only while ``folder_status.js`` says they
    are current (``assets/folder.js``); otherwise the page says why.
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
                "shots": summary.get("shots"),
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
        title="Movies",
        assets=assets,
        cards=cards,
        collection=collection,
        reuse=reuse is not None,
        pairs=pairs,
        shots_table=shots_table,
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


def index_step(
    movies_tsv,
    json_paths,
    probe_paths,
    assets,
    output,
    movies,
    collection=None,
    reuse=None,
    shots=(),
):
    """Rule ``make_index``: ``index.html``.

    ``json_paths`` and ``probe_paths`` are in the order of ``movies``; a movie
    whose status in ``movies_tsv`` is not ``ok``, or whose JSON does not exist,
    is listed with its status, or "no map". ``collection`` is the path of the
    folder map page (``results/collection.html``) when the run makes it: the
    index links to it. ``reuse`` is the path of ``results/reuse.tsv`` when the
    run finds reused footage: the index lists its stretches between movies
    that have a map (none while the file does not exist). ``shots``: the
    movies the shot stage takes (none without it): each one's card shows its
    shots, and the index links to the folder's table, as far as their files
    exist and are current. Also called at
    the end of a failed run.
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
        if movie in shots:
            summaries[movie]["shots"] = shot_card(Path(json_path).parent, movie)
    folder = Path(output).parent
    listing = [] if reuse else None
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
        "shots.tsv" if shots and (folder / "shots.tsv").is_file() else None,
    )
    save_text(output, page)
    log.info(
        "%d movies, %d with a map, %d with shots, %d reused stretches",
        len(rows),
        len(summaries),
        sum(bool(summary.get("shots")) for summary in summaries.values()),
        len(listing or []),
    )


def outcomes_index(
    results, movies, assets, collection=None, reuse=None, shots=()
):
    """``index.html`` again at the end of a run (the Snakefile's ``onsuccess``
    and ``onerror``, once :func:`framescape.run.outcomes.write_outcomes` has
    corrected ``movies.tsv``): it lists the failed movies with their reasons.

    Parameters
    ----------
    results : path
        The results folder.
    movies : dict
        ``{movie_id: …}`` (``find_movies``), in the index's order.
    assets : path
        ``make_index``'s ``assets`` input (the viewer's shared files).
    collection : path, optional
        The folder map's page, when the run makes it: the index links to it
        while ``folder_status.js`` says it is current.
    reuse : path, optional
        ``reuse.tsv``, when the run finds reused footage: the index lists it
        (not while the file does not exist).
    shots : list
        The movies the shot stage takes: their cards show what exists of
        their shots.
    """
    index_step(
        movies_tsv=Path(results, "movies.tsv"),
        json_paths=[Path(results, f"{movie}.json") for movie in movies],
        probe_paths=[Path(results, movie, "probe.json") for movie in movies],
        assets=assets,
        output=Path(results, "index.html"),
        movies=list(movies),
        collection=collection,
        reuse=reuse,
        shots=shots,
    )
