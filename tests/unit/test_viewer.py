"""Plots and the viewer's pages, as functions (the browser test
is tests/browser/test_viewer_page.py)."""

import base64
import html
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from framescape.common import FramescapeError, format_duration
from framescape.pages import index as pages_index
from framescape.pages import plots, toolkit
from framescape.pages import viewer as pages_viewer
from framescape.run.movies import movies_table
from framescape.testing import MARKUP_NAME, fake_movie_pages


@pytest.mark.parametrize("n, cells", [(10, 20), (10, 3), (1001, 100)])
def test_block_mean_averages_square_blocks(n, cells):
    matrix = np.random.default_rng(n).random((n, n)).astype(np.float32)
    reduced, block = plots.block_mean(matrix, cells)
    assert block == -(-n // cells)
    assert len(reduced) <= cells
    for row in range(len(reduced)):
        for column in (0, len(reduced) - 1):
            part = matrix[
                row * block : (row + 1) * block, column * block : (column + 1) * block
            ]
            assert reduced[row, column] == pytest.approx(part.mean(), rel=1e-6)


def coloured_pixels(path):
    image = np.asarray(Image.open(path).convert("RGB")).astype(int)
    return image, (np.ptp(image, axis=2) > 60).sum()


def test_plot_maps_draws_every_panel(tmp_path, bikes_frames):
    n = len(bikes_frames)
    movie = tmp_path / "movie"
    (movie / "frames").mkdir(parents=True)
    for index, frame in enumerate(bikes_frames):
        Image.fromarray(frame).save(movie / "frames" / f"{index + 1:06d}.png")
    frames = [
        {"frame": i, "time": i / 25, "file": f"frames/{i + 1:06d}.png"}
        for i in range(n)
    ]
    angle = np.linspace(0, np.pi, n)
    maps = {
        f"{method}_{metric}": 0.5 + 0.4 * np.c_[np.cos(angle), np.sin(angle)]
        for metric in ("gray", "hsl")
        for method in ("mds", "tsne", "umap")
    }
    plots.plot_maps(tmp_path / "maps.png", frames, maps, movie, "a movie", 4)
    image, coloured = coloured_pixels(tmp_path / "maps.png")
    assert image.shape[1] > image.shape[0] > 500  # 3 columns, 2 rows
    assert coloured > 5000  # points, thumbnails and the colour bar


def test_plot_distances_shows_the_matrix(tmp_path):
    n = 30
    times = np.arange(n) * 0.5
    distances = np.abs(times[:, None] - times[None, :]).astype(np.float32)
    plots.plot_distances(tmp_path / "d.png", distances, times, "gray", "a movie")
    _, coloured = coloured_pixels(tmp_path / "d.png")
    assert coloured > 20000


def middle_row(path):
    image = np.asarray(Image.open(path).convert("RGB")).astype(int)
    return image[len(image) // 2]


def heatmap_columns(path):
    """The first and last column of the heatmap of a flat matrix, in the
    middle row of its picture."""
    row = middle_row(path)
    colours, counts = np.unique(row, axis=0, return_counts=True)
    fill = colours[np.argmax(counts * (colours.sum(axis=1) < 700))]
    inside = np.flatnonzero((row == fill).all(axis=1))
    return inside[0], inside[-1]


def test_the_heatmap_marks_where_shots_start(tmp_path):
    times = np.arange(40) * 0.1
    distances = np.full((40, 40), 0.5, np.float32)
    plain, marked = tmp_path / "plain.png", tmp_path / "marked.png"
    plots.plot_distances(plain, distances, times, "gray", "a movie")
    # Shots starting at 1.0 s and 2.4 s.
    starts = [1.0, 2.4]
    plots.plot_distances(marked, distances, times, "gray", "a movie", None, starts)
    before, after = middle_row(plain), middle_row(marked)
    left, last = heatmap_columns(plain)
    right = last + 1
    changed = np.flatnonzero((before != after).any(axis=1))
    runs = np.split(changed, np.flatnonzero(np.diff(changed) > 1) + 1)
    # A line at 1.0 s and one at 2.4 s, on an axis from -0.05 to 3.95 s.
    places = [(run.mean() + 0.5 - left) / (right - left) * 4.0 - 0.05 for run in runs]
    assert places == pytest.approx([1.0, 2.4], abs=0.02)


def test_a_shot_after_the_last_sampled_frame_keeps_the_axes(tmp_path):
    """The last shot starts between the last frame and the movie's end: the
    heatmap keeps its place and size."""
    times = np.arange(40) * 0.1
    distances = np.full((40, 40), 0.5, np.float32)
    plain, marked = tmp_path / "plain.png", tmp_path / "marked.png"
    plots.plot_distances(plain, distances, times, "gray", "a movie")
    plots.plot_distances(marked, distances, times, "gray", "a movie", None, [1.0, 3.99])
    assert heatmap_columns(marked) == heatmap_columns(plain)


def items_for(n, keys, movie="m"):
    rng = np.random.default_rng(0)
    return [
        {
            "src": f"{movie}/frames/{i + 1:06d}.png",
            "frame": i,
            "time": i * 0.5,
            **{key: rng.random(2).round(6).tolist() for key in keys},
        }
        for i in range(n)
    ]


def movie_folder(results, movie, n, size, keys=("mds_gray",), duration=None):
    """``results/<movie>.json``, ``probe.json`` and ``n`` PNG frames of ``size``
    (width, height) under ``results``: the JSON's and the probe's paths."""
    frames = results / movie / "frames"
    frames.mkdir(parents=True)
    for i in range(n):
        Image.new("RGB", size, (i * 20 % 256, 80, 160)).save(
            frames / f"{i + 1:06d}.png"
        )
    json_path = results / f"{movie}.json"
    json_path.write_text(json.dumps(items_for(n, list(keys), movie)))
    probe = results / movie / "probe.json"
    probe.write_text(
        json.dumps({"error": None, "duration": duration, "width": 64, "height": 48})
    )
    return json_path, probe


@pytest.mark.parametrize(
    "seconds, text",
    [
        (0, "0:00.0"),
        (59.96, "1:00.0"),
        (61.04, "1:01.0"),
        (3599.99, "1:00:00.0"),
        (3661.5, "1:01:01.5"),
        (86400, "24:00:00.0"),
    ],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


def docs_json(page):
    """The Bokeh document of a viewer page (a JSON string in its script)."""
    return re.search(r"const docs_json = '(.*?)';", page).group(1)


def test_viewer_page_escapes_the_name_and_holds_every_map():
    import bokeh

    keys = ["mds_gray", "umap_hsl"]
    items = items_for(12, keys)
    page = pages_viewer.viewer_page(
        items,
        keys,
        "m",
        MARKUP_NAME,
        {"duration": 59.96, "width": 64, "height": 48},
        2.0,
        (64, 48),
        "_viewer",
    )
    assert MARKUP_NAME not in page
    assert f"<h1>{html.escape(MARKUP_NAME)}</h1>" in page
    assert f"<title>{html.escape(MARKUP_NAME)} · framescape</title>" in page
    assert "12 frames at 2 per second · 1:00.0 long · source 64×48" in page
    # BokehJS of the Bokeh that made the page, before the viewer's script.
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts[:3] == [
        "_viewer/folder.js",
        "folder_status.js",
        f"_viewer/bokeh.min.js?v={bokeh.__version__}",
    ]
    assert scripts[-1] == "_viewer/framescape.js"
    document = docs_json(page)
    for column in ("time", "frame", "mds_gray_x", "umap_hsl_y"):
        assert f'"{column}"' in document
    # The numbered pictures as one pattern, not a list of 12 names.
    assert '["prefix","m/frames/"]' in document and "000012.png" not in document


@pytest.mark.parametrize("n", [1, 365, 50000])
def test_quantised_coordinates_stay_within_half_a_step(n):
    rng = np.random.default_rng(n)
    coordinates = np.round(rng.uniform(0.1, 0.9, (n, 2)), 6)
    steps, scale = toolkit.quantised(coordinates)
    assert steps.dtype == np.uint16
    x, y = toolkit.unquantised(steps, scale)
    assert x.dtype == np.float32
    extent = np.ptp(coordinates, axis=0)
    # Half a step, and float32's rounding of numbers below 1.
    tolerance = extent / toolkit.COORDINATE_STEPS / 2 + 2**-24
    assert np.abs(x - coordinates[:, 0]).max() <= tolerance[0]
    assert np.abs(y - coordinates[:, 1]).max() <= tolerance[1]
    if n > 1:
        assert steps.min(axis=0).tolist() == [0, 0]
        assert steps.max(axis=0).tolist() == [65535, 65535]


def test_quantised_coordinates_of_identical_frames_stay_in_place():
    steps, scale = toolkit.quantised(np.full((4, 2), 0.5))
    assert (steps == 0).all() and scale == [0.5, 0.0, 0.5, 0.0]
    x, y = toolkit.unquantised(steps, scale)
    assert (x == 0.5).all() and (y == 0.5).all()


@pytest.mark.parametrize(
    "sources, pattern",
    [
        (
            [f"demo_year/frames/{i + 1:06d}.png" for i in range(1200)],
            {"prefix": "demo_year/frames/", "first": 1, "width": 6, "suffix": ".png"},
        ),
        (
            ["a 1/f998.jpg", "a 1/f999.jpg", "a 1/f1000.jpg"],
            {"prefix": "a 1/f", "first": 998, "width": 3, "suffix": ".jpg"},
        ),
        (["m/frames/000002.png", "m/frames/000001.png"], None),
        (["m/frames/000001.png", "m/frames/000001.png"], None),
        (["m/frames/000001.png", "m/frames/000002.jpg"], None),
        (["m/frames/first.png", "m/frames/second.png"], None),
    ],
)
def test_numbered_pictures_rebuild_every_name(sources, pattern):
    found = toolkit.numbered_pictures(sources)
    assert found == pattern
    if found:
        rebuilt = [
            found["prefix"] + str(found["first"] + i).zfill(found["width"])
            for i in range(len(sources))
        ]
        assert [name + found["suffix"] for name in rebuilt] == sources


@pytest.mark.parametrize("n, bits", [(50, 16), (65536, 16), (65537, 32)])
def test_nearest_script_holds_every_row(n, bits):
    rng = np.random.default_rng(n)
    nearest = {
        "gray": rng.integers(0, n, (n, 3)).astype(np.int32),
        "hsl": rng.integers(0, n, (n, 3)).astype(np.int64),
    }
    script = toolkit.nearest_script("m", nearest)
    call = re.fullmatch(r'framescape\.addNearest\("m", 3, (\d+), (\{.*\})\);\n', script)
    assert int(call.group(1)) == bits
    rows = json.loads(call.group(2))
    dtype = {16: "<u2", 32: "<i4"}[bits]
    for metric, ranked in nearest.items():
        decoded = np.frombuffer(base64.b64decode(rows[metric]), dtype)
        assert np.array_equal(decoded.reshape(n, 3), ranked)


def test_index_lists_movies_with_the_probes_duration_and_failures(tmp_path):
    results = tmp_path / "results"
    json_path, probe = movie_folder(results, "m", 5, (64, 48), duration=59.96)
    rows = [
        {"movie": "m", "file": MARKUP_NAME, "status": "ok"},
        {"movie": "bad", "file": "broken <b>.mp4", "status": "no video stream"},
        {"movie": "gone", "file": "gone.mp4", "status": "ok"},
    ]
    (results / "movies.tsv").write_text(movies_table(rows))
    # "bad" and "gone" failed: neither has a JSON, "bad" not even a probe.
    pages_index.index_step(
        results / "movies.tsv",
        [json_path, results / "bad.json", results / "gone.json"],
        [probe, results / "bad" / "probe.json", results / "gone" / "probe.json"],
        results / "_viewer",
        results / "index.html",
        ["m", "bad", "gone"],
    )
    page = (results / "index.html").read_text()
    assert MARKUP_NAME not in page and "<b>" not in page
    assert html.escape(MARKUP_NAME) in page
    assert 'href="m.html"' in page and 'src="m/frames/000003.png"' in page
    # The probe's duration (the last frame is at 2.0 s), formatted.
    assert "5 frames · 1:00.0" in page
    assert 'href="_viewer/framescape.css"' in page
    failed = dict(
        re.findall(r'fs-name">([^<]*)</span><span class="fs-reason">([^<]*)', page)
    )
    assert failed == {"broken &lt;b&gt;.mp4": "no video stream", "gone.mp4": "no map"}
    assert 'href="bad.html"' not in page and 'href="gone.html"' not in page


def test_viewer_and_index_follow_portrait_pictures(tmp_path):
    results = tmp_path / "results"
    json_path, probe = movie_folder(results, "phone", 6, (90, 160), duration=6.0)
    nearest = results / "phone" / "nearest.npy"
    np.save(nearest, np.zeros((6, 2), np.int32))
    outputs = fake_movie_pages(results, "phone", json_path, probe, nearest)
    page = outputs.page.read_text()
    assert '<main style="--fs-aspect: 0.5625">' in page
    assert "width:90px;height:160px" in page  # the frame shown on hover
    # The pictures drawn on the zoomed-in map: a box of the frames' shape, and
    # JPEGs of that size.
    glyph = re.search(
        r'"ImageURL".*?"w":(\{[^}]*\}).*?"h":(\{[^}]*\})', docs_json(page)
    )
    box = [json.loads(part.replace("\\", ""))["value"] for part in glyph.groups()]
    assert box == [54, 96]
    script = outputs.thumbnails.read_text()
    urls = json.loads(script[script.index("[") : script.rindex("]") + 1])
    assert len(urls) == 6
    jpeg = base64.b64decode(urls[0].split(",", 1)[1])
    assert Image.open(io.BytesIO(jpeg)).size == (54, 96)
    assert 'style="--fs-aspect: 0.5625"' in (results / "index.html").read_text()


def test_assets_come_from_the_installed_bokeh_and_are_checked(tmp_path):
    import bokeh

    assets = tmp_path / "_viewer"
    toolkit.copy_assets(assets)
    static = Path(bokeh.__file__).parent / "server" / "static" / "js"
    for bundle in toolkit.BOKEH_BUNDLES:
        copied = (assets / f"{bundle}.min.js").read_bytes()
        assert copied == (static / f"{bundle}.min.js").read_bytes()
    assert b"window.framescape" in (assets / "framescape.js").read_bytes()
    assert json.loads((assets / "manifest.json").read_text()) == {
        "bokeh": bokeh.__version__
    }
    toolkit.check_assets(assets)
    (assets / "manifest.json").write_text('{"bokeh": "2.0.0"}')
    with pytest.raises(FramescapeError) as error:
        toolkit.check_assets(assets)
    assert str(error.value) == (
        f"{assets}/ holds BokehJS 2.0.0 but this job's Bokeh is {bokeh.__version__}:"
        f" delete {assets}/ and run the workflow again"
    )
    (assets / "manifest.json").unlink()
    with pytest.raises(FramescapeError, match="holds no manifest.json"):
        toolkit.check_assets(assets)


def test_thumbnails_are_jpegs_and_report_progress(tmp_path):
    """One JPEG data URL a frame, 48 pixels wide, and a progress call after each."""
    items = []
    for index, colour in enumerate(["red", "green", "blue"]):
        Image.new("RGB", (320, 240), colour).save(tmp_path / f"{index}.png")
        items.append({"src": f"{index}.png"})
    calls = []
    urls = toolkit.thumbnail_urls(tmp_path, items, 48, lambda *c: calls.append(c))
    assert calls == [(done, 3, "thumbnails") for done in (1, 2, 3)]
    for url, colour in zip(urls, [(255, 0, 0), (0, 128, 0), (0, 0, 255)]):
        assert url.startswith("data:image/jpeg;base64,")
        picture = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
        assert picture.size == (48, 36)
        assert np.abs(np.subtract(picture.getpixel((24, 18)), colour)).max() < 8
