"""The folder map's page (collection_page), as functions; in a browser it is
tested in tests/browser/test_folder_page.py."""

import base64
import gzip
import html
import json
import re

import numpy as np
import pytest

from framescape.pages import index as pages_index
from framescape.pages import toolkit
from framescape.pages.collection import (
    collection_page_step,
    movie_colours,
    movie_numbers,
)
from framescape.run.movies import movies_table
from framescape.testing import MARKUP_ID, MARKUP_NAME, fake_folder_results

MAPS = ["mds_gray", "umap_hsl"]
# Frames of the movies on the map, in collection.json's order.
FRAMES = {"alpha": 6, MARKUP_ID: 5, "loose": 4}
FILES = {"alpha": "alpha.mp4", MARKUP_ID: MARKUP_NAME, "loose": "loose <i>.mov"}


def collection_items(frames=FRAMES):
    """collection.json's items: movie after movie; "loose"'s pictures are not
    numbered in order."""
    rng = np.random.default_rng(1)
    items = []
    for movie, n in frames.items():
        for i in range(n):
            number = (i * 3 % n) + 1 if movie == "loose" else i + 1
            items.append(
                {
                    "movie": movie,
                    "src": f"{movie}/frames/{number:06d}.png",
                    "frame": i,
                    "time": round(i * 0.4, 3),
                    **{key: rng.uniform(0.1, 0.9, 2).round(6).tolist() for key in MAPS},
                }
            )
    return items


@pytest.fixture
def results(tmp_path):
    """A results folder with collection.json, movies.tsv (two more movies,
    neither on the map: one unreadable, one whose run failed) and the assets."""
    rows = [{"movie": movie, "file": FILES[movie], "status": "ok"} for movie in FRAMES]
    rows.insert(
        1, {"movie": "broken", "file": "broken <b>.mp4", "status": "no video stream"}
    )
    rows.append({"movie": "crashed", "file": "crashed.mp4", "status": "ok"})
    return fake_folder_results(tmp_path / "results", collection_items(), rows)


def make_page(results, failed=None, maps=MAPS):
    collection_page_step(
        results / "collection.json",
        results / "movies.tsv",
        results / "_viewer",
        results / "collection.html",
        maps,
        FILES,
        failed
        or {"crashed": {"file": "crashed.mp4", "reason": "embed: out of memory"}},
    )
    return (results / "collection.html").read_text()


def bokeh_document(page):
    """The page's Bokeh document, decoded as BokehJS decodes it."""
    text = re.search(r"const docs_json = '(.*?)';", page).group(1)
    return json.loads(html.unescape(text.replace("\\\\", "\\")))


def model(document, name):
    """The attributes of the model called ``name`` in ``document``."""
    found = []

    def walk(value):
        if isinstance(value, dict):
            if value.get("attributes", {}).get("name") == name:
                found.append(value["attributes"])
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(document)
    assert len(found) == 1, f"{len(found)} models named {name}"
    return found[0]


def shared_value(document, name):
    """The value ``name`` the page's callbacks share (their CustomJS args)."""
    found = []

    def walk(value):
        if isinstance(value, dict):
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            if len(value) == 2 and value[0] == name:
                found.append(value[1])
            for inner in value:
                walk(inner)

    walk(document)
    assert found, f"no shared value {name}"
    return found[0]


def data_blocks(page):
    """The page's data blocks, decoded: ``{name: bytes}``."""
    blocks = re.findall(
        r'<script type="application/octet-stream" id="fs-data-([\w-]+)">'
        r"([A-Za-z0-9+/=]*)</script>",
        page,
    )
    return {name: gzip.decompress(base64.b64decode(text)) for name, text in blocks}


def test_page_carries_every_frame_in_binary_blocks(results):
    page = make_page(results)
    items = collection_items()
    blocks = data_blocks(page)
    assert sorted(blocks) == ["frame", "map-mds_gray", "map-umap_hsl", "time"]
    document = bokeh_document(page)
    scales = dict(shared_value(document, "scales")["entries"])
    # Each map as 16-bit steps, every x then every y: coordinates within half
    # a step.
    for key in MAPS:
        steps = np.frombuffer(blocks[f"map-{key}"], "<u2").reshape(2, -1).T
        drawn = np.c_[toolkit.unquantised(steps, scales[key])]
        coordinates = np.array([item[key] for item in items])
        tolerance = np.ptp(coordinates, axis=0) / toolkit.COORDINATE_STEPS / 2
        assert (np.abs(drawn - coordinates) <= tolerance + 2**-24).all(), key
    frames = np.frombuffer(blocks["frame"], "<i4")
    assert frames.tolist() == [item["frame"] for item in items]
    times = np.frombuffer(blocks["time"], "<f8")
    assert times.tolist() == [item["time"] for item in items]
    assert shared_value(document, "counts") == list(FRAMES.values())
    # The Bokeh document holds no frame: the page fills its columns.
    columns = dict(model(document, "frames")["data"]["entries"])
    assert sorted(columns) == ["frame", "movie", "time", "x", "y"]
    assert all(value["shape"] == [0] for value in columns.values())
    assert model(document, "map_select")["options"] == [
        [key, label]
        for key, label in (("mds_gray", "MDS · gray"), ("umap_hsl", "UMAP · hsl"))
    ]
    assert "15 frames of 3 movies" in page


def test_pictures_are_asked_for_only_on_hover(results):
    page = make_page(results)
    # No picture in the page: the hover names each frame's PNG when it shows it.
    assert "data:image" not in page
    # A numbered movie's pictures are one pattern; only "loose"'s are listed.
    assert "alpha/frames/000002.png" not in page
    loose = [item["src"] for item in collection_items() if item["movie"] == "loose"]
    assert json.dumps(loose, separators=(",", ":")) in json.dumps(
        bokeh_document(page), separators=(",", ":")
    )


def test_names_are_text_and_movies_left_out_are_listed(results):
    page = make_page(results)
    assert MARKUP_NAME not in page and "<b>" not in page and "<i>" not in page
    legend = re.findall(
        r'data-movie="(\d+)" aria-pressed="true"><span class="fs-swatch" '
        r'style="background: (#[0-9a-f]{6})"></span><span class="fs-name">([^<]*)<',
        page,
    )
    assert [(int(m), name) for m, _, name in legend] == [
        (m, html.escape(FILES[movie], quote=False)) for m, movie in enumerate(FRAMES)
    ]
    assert [colour for _, colour, _ in legend] == movie_colours(3)
    # The hover's names, in the document (BokehJS escapes them into the tooltip).
    hover = model(bokeh_document(page), "hover_text")
    assert dict(hover["args"]["entries"])["names"] == [FILES[m] for m in FRAMES]
    failed = dict(
        re.findall(r'fs-name">([^<]*)</span><span class="fs-reason">([^<]*)', page)
    )
    assert failed == {
        "broken &lt;b&gt;.mp4": "no video stream",
        "crashed.mp4": "embed: out of memory",
    }


def test_a_folder_with_no_movie_on_the_map_names_the_failures(results):
    (results / "collection.json").write_text("[]")
    page = make_page(results)
    assert "No movie is on the map." in page
    assert "const docs_json" not in page
    assert page.count('class="fs-card fs-failed"') == 5


def test_a_map_the_collection_lacks_is_named(results):
    with pytest.raises(ValueError, match="collection.json has no map tsne_gray"):
        make_page(results, maps=["mds_gray", "tsne_gray"])


def test_each_movies_frames_must_be_together(results):
    items = collection_items({"alpha": 2, "loose": 2})
    items[1], items[2] = items[2], items[1]
    with pytest.raises(ValueError, match="the frames of alpha are not together"):
        movie_numbers(items, "results/collection.json")


def test_colours_repeat_past_twenty_movies():
    colours = movie_colours(45)
    assert len(set(colours[:20])) == 20
    assert colours[20:40] == colours[:20] and colours[40] == colours[0]


def test_index_links_the_folder_map_when_given(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    (results / "movies.tsv").write_text(
        movies_table([{"movie": "m", "file": "m.mp4", "status": "no video stream"}])
    )
    arguments = (
        results / "movies.tsv",
        [results / "m.json"],
        [results / "m" / "probe.json"],
        results / "_viewer",
        results / "index.html",
        ["m"],
    )
    pages_index.index_step(*arguments)
    assert "collection.html" not in (results / "index.html").read_text()
    pages_index.index_step(*arguments, collection=results / "collection.html")
    assert (
        '<a href="collection.html">Map of the whole folder</a>'
        in (results / "index.html").read_text()
    )
