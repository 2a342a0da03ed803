"""The viewer in a real browser, as a person uses it: Debian's chromium driven by
Playwright over the pages of the shared workflow run (conftest.workflow_run),
and over pages made here from portrait pictures.

Chromium is not installed here: CI installs Debian's package beforehand
(apt-get install chromium). Screenshots go to test-artifacts/ at the top of the
repository. Every wait is for a condition, with a timeout."""

import csv
import functools
import http.server
import importlib.util
import io
import json
import re
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from matplotlib.path import Path as MplPath
from PIL import Image

from framescape.common import format_duration, load_frames_tsv, save_tsv
from framescape.pages import collection as pages_collection
from framescape.pages import reuse as pages_reuse
from framescape.pages import toolkit
from framescape.pages import viewer as pages_viewer
from framescape.run.folder_status import write_folder_status
from framescape.run.movies import read_movies_tsv
from framescape.testing import (
    HOSTILE_ID,
    MARKUP_ID,
    MARKUP_NAME,
    MOVIES,
    REAL_ID,
    REAL_NAME,
    REPO,
    fake_folder_results,
    fake_movie_pages,
    need,
    snakemake,
)

ARTIFACTS = REPO / "test-artifacts"
MOVIE = "demo_year"

# Screen position of frame i under the current map, from the plot's own scales.
SCREEN_POSITION = (Path(__file__).parent / "screen_position.js").read_text()
FRAMES = "() => Bokeh.documents[0].get_model_by_name('frames').data"
# Every frame's picture as the page names it: framescape.pictureOf over the
# page's own data (the models its hover formatter is given).
PICTURES = """() => {
  const doc = Bokeh.documents[0];
  const v = doc.get_model_by_name("picture_of").args;
  const n = doc.get_model_by_name("frames").data.frame.length;
  return Array.from({length: n}, (_, i) => framescape.pictureOf(v, i));
}"""
# How many frames are inside the map's current ranges.
IN_VIEW = """() => {
  const doc = Bokeh.documents[0];
  const plot = doc.get_model_by_name("map");
  const data = doc.get_model_by_name("frames").data;
  let count = 0;
  for (let i = 0; i < data.x.length; i++) {
    count += data.x[i] >= plot.x_range.start && data.x[i] <= plot.x_range.end &&
      data.y[i] >= plot.y_range.start && data.y[i] <= plot.y_range.end;
  }
  return count;
}"""
# The longest any condition is waited for (ms): a loaded machine is slow, a
# broken page never gets there.
WAIT_MS = 20000
# The points' x, sampled at every animation frame until the switch to map
# `key` has landed (framescape.js sets data-map on the body then).
SAMPLE_SWITCH = """async ([key, count, timeout]) => {
  const data = () => Bokeh.documents[0].get_model_by_name("frames").data;
  const seen = [];
  const started = performance.now();
  while (document.body.dataset.map !== key) {
    if (performance.now() - started > timeout) {
      throw new Error(`the switch to ${key} did not land`);
    }
    seen.push(Array.from(data().x.slice(0, count)));
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
  return seen;
}"""


def model_value(page, name, expression):
    """``expression`` over the Bokeh model named ``name`` (as ``model``)."""
    return page.evaluate(
        f"() => {{ const model = Bokeh.documents[0].get_model_by_name({name!r}); "
        f"return {expression}; }}"
    )


@pytest.fixture(scope="module")
def chromium():
    path = shutil.which("chromium")
    need(path, "chromium (Debian's package: apt-get install chromium)")
    return path


@pytest.fixture(scope="module")
def browser(chromium):
    need(importlib.util.find_spec("playwright"), "playwright (pip install -e .[test])")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def results(workflow_run):
    workdir, _ = workflow_run
    ARTIFACTS.mkdir(exist_ok=True)
    for plot in (workdir / "results" / MOVIE / "plots").glob("*.png"):
        shutil.copyfile(plot, ARTIFACTS / f"plot-{plot.name}")
    return workdir / "results"


class Visit:
    """A page opened in a fresh browser tab, with every console error, page
    error and dialog (alert) it produced."""

    def __init__(self, browser, url):
        self.page = browser.new_page(
            viewport={"width": 1280, "height": 900}, accept_downloads=True
        )
        self.problems = []
        self.page.on(
            "console",
            lambda message: (
                message.type == "error"
                and self.problems.append(f"console: {message.text}")
            ),
        )
        self.page.on("pageerror", lambda error: self.problems.append(f"error: {error}"))
        self.page.on("dialog", self.dialog)
        self.page.goto(url)

    def dialog(self, dialog):
        self.problems.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    def wait_for_viewer(self):
        """Until BokehJS has drawn every part of the page (its document is idle)."""
        self.page.wait_for_function(
            "() => window.Bokeh && Bokeh.documents.length > 0 && "
            "Bokeh.documents[0].get_model_by_name('map') !== null && "
            "Bokeh.documents[0].is_idle",
            timeout=WAIT_MS,
        )

    def screenshot(self, name):
        self.page.screenshot(path=ARTIFACTS / f"{name}.png")


@pytest.fixture
def viewer(browser, results):
    visit = Visit(browser, (results / f"{MOVIE}.html").as_uri())
    visit.wait_for_viewer()
    yield visit
    visit.page.close()


def load_items(results, movie=MOVIE):
    return json.loads((results / f"{movie}.json").read_text())


def assert_drawn_at(data, items, key):
    """The page's points are the map ``key`` of the JSON, to within half a step
    of its 16-bit coordinates and float32's rounding."""
    coordinates = np.array([item[key] for item in items])
    tolerance = np.ptp(coordinates, axis=0) / toolkit.COORDINATE_STEPS / 2
    drawn = np.c_[data["x"], data["y"]]
    assert (np.abs(drawn - coordinates) <= tolerance + 2**-24).all()


def isolated_frame(page):
    """A frame whose point is at least 12 px from every other one (hover hits it alone)."""
    n = len(page.evaluate(FRAMES)["frame"])
    screen = np.array([page.evaluate(SCREEN_POSITION, i) for i in range(n)])
    gaps = np.linalg.norm(screen[:, None] - screen[None], axis=2)
    np.fill_diagonal(gaps, np.inf)
    candidates = np.flatnonzero(gaps.min(axis=1) >= 12)
    assert len(candidates), "no isolated point to hover"
    return int(candidates[len(candidates) // 2]), screen


def zoom_in_on(page, index):
    """Wheel-zoom towards frame ``index`` until at most 120 frames are in view,
    then wait until the map draws them as pictures."""
    page.mouse.move(*page.evaluate(SCREEN_POSITION, index))
    for _ in range(60):
        span = model_value(page, "map", "model.x_range.end - model.x_range.start")
        page.mouse.wheel(0, -120)
        page.wait_for_function(
            "(span) => { const range = Bokeh.documents[0].get_model_by_name('map')"
            ".x_range; return range.end - range.start < span; }",
            arg=span,
            timeout=WAIT_MS,
        )
        if page.evaluate(IN_VIEW) <= 120:
            break
    page.wait_for_function(
        "() => Bokeh.documents[0].get_model_by_name('thumbnails').data.src.length",
        timeout=WAIT_MS,
    )


def test_opens_without_errors_with_every_frame(viewer, results):
    assert viewer.problems == []
    items = load_items(results)
    data = viewer.page.evaluate(FRAMES)
    assert len(data["frame"]) == len(items) == 365
    assert viewer.page.evaluate(PICTURES) == [item["src"] for item in items]
    assert_drawn_at(data, items, "mds_gray")
    viewer.screenshot("viewer")


def test_opens_from_a_web_server(browser, results):
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(results)
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        visit = Visit(browser, f"http://127.0.0.1:{server.server_port}/{MOVIE}.html")
        visit.wait_for_viewer()
        assert visit.page.evaluate(PICTURES)[0] == f"{MOVIE}/frames/000001.png"
        assert visit.problems == []
        visit.page.close()
    finally:
        server.shutdown()


def test_switching_maps_moves_points_smoothly(viewer, results):
    items = load_items(results)
    page = viewer.page
    before = np.c_[page.evaluate(FRAMES)["x"], page.evaluate(FRAMES)["y"]]
    page.locator("select").select_option(label="t-SNE · hsl")
    seen = page.evaluate(SAMPLE_SWITCH, ["tsne_hsl", 50, WAIT_MS])
    data = page.evaluate(FRAMES)
    after = np.c_[data["x"], data["y"]]
    target = np.array([item["tsne_hsl"] for item in items])
    assert_drawn_at(data, items, "tsne_hsl")
    assert not np.allclose(before, after)
    # In between, points were neither where they started nor where they ended.
    assert any(
        not np.allclose(x, before[:50, 0]) and not np.allclose(x, target[:50, 0])
        for x in map(np.array, seen)
    )
    viewer.screenshot("viewer-tsne-hsl")
    assert viewer.problems == []


def test_hover_shows_the_frame_and_its_time(viewer, results):
    page = viewer.page
    index, screen = isolated_frame(page)
    item = load_items(results)[index]
    page.mouse.move(*screen[index])
    picture = page.locator(f'img[alt="frame {item["frame"]}"]').first
    picture.wait_for(state="visible", timeout=WAIT_MS)
    assert picture.get_attribute("src") == item["src"]
    caption = picture.evaluate("(img) => img.parentElement.textContent")
    assert f"frame {item['frame']} · {item['time']:.2f} s" in caption
    viewer.screenshot("viewer-hover")
    assert viewer.problems == []


def test_click_shows_the_frame_and_its_nearest(viewer, results):
    page = viewer.page
    index, screen = isolated_frame(page)
    items = load_items(results)
    page.mouse.click(*screen[index])
    large = page.locator("figure.fs-large img")
    large.wait_for(timeout=WAIT_MS)
    assert large.get_attribute("src") == items[index]["src"]
    nearest = np.load(results / MOVIE / "nearest" / "gray.npy")[index]
    # The nearest frames come with nearest.js, loaded at this first click.
    shown = page.locator("figure.fs-near img")
    shown.nth(len(nearest) - 1).wait_for(timeout=WAIT_MS)
    assert [shown.nth(j).get_attribute("src") for j in range(shown.count())] == [
        items[j]["src"] for j in nearest
    ]
    # The timeline follows the click.
    assert model_value(page, "timeline", "model.value") == index
    viewer.screenshot("viewer-details")
    assert viewer.problems == []


def box_select(page, n):
    """Drag the box tool over the middle of the map: the frames it selected,
    sorted, and those whose points lie inside the box on screen (of ``n``)."""
    page.locator('[title="Box Select"]').first.click()
    box = page.locator("canvas").first.bounding_box()
    start = (box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.2)
    end = (box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.7)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=8)
    page.mouse.up()
    selected = sorted(model_value(page, "frames", "model.selected.indices"))
    screen = np.array([page.evaluate(SCREEN_POSITION, i) for i in range(n)])
    inside = np.flatnonzero(
        (screen[:, 0] >= start[0])
        & (screen[:, 0] <= end[0])
        & (screen[:, 1] >= start[1])
        & (screen[:, 1] <= end[1])
    )
    return selected, inside


def test_box_selection_exports_the_right_rows(viewer, results, tmp_path):
    page = viewer.page
    items = load_items(results)
    selected, inside = box_select(page, len(items))
    assert len(inside) > 5
    assert selected == inside.tolist()
    with page.expect_download() as download:
        page.get_by_text("Export selection (CSV)").click()
    path = tmp_path / "selection.csv"
    download.value.save_as(path)
    assert download.value.suggested_filename == f"{MOVIE}-selection.csv"
    with open(path, newline="") as table:
        rows = list(csv.DictReader(table))
    assert [int(row["index"]) for row in rows] == selected
    for row in rows:
        item = items[int(row["index"])]
        assert int(row["frame"]) == item["frame"]
        assert float(row["time"]) == item["time"]
        assert row["file"] == item["src"]
    assert page.get_by_text(f"{len(selected)} frames selected").is_visible()
    viewer.screenshot("viewer-selection")
    assert viewer.problems == []


def test_play_moves_the_marker_along_the_path(viewer):
    page = viewer.page
    page.get_by_text("▶ Play").click()
    # Playing moves the timeline on by itself, step after step.
    page.wait_for_function(
        "() => Bokeh.documents[0].get_model_by_name('timeline').value > 3",
        timeout=WAIT_MS,
    )
    page.get_by_text("❚❚ Pause").click()
    page.get_by_text("▶ Play").wait_for(timeout=WAIT_MS)
    value = model_value(page, "timeline", "model.value")
    data = page.evaluate(FRAMES)
    marker = model_value(page, "marker", "[model.data.x[0], model.data.y[0]]")
    assert marker == [data["x"][value], data["y"][value]]
    title = model_value(page, "timeline", "model.title")
    assert title == f"Frame {data['frame'][value]} · {data['time'][value]:.2f} s"
    assert viewer.problems == []


def test_zooming_in_shows_thumbnails(viewer, results):
    page = viewer.page
    assert model_value(page, "thumbnails", "model.data.src.length") == 0
    zoom_in_on(page, 100)
    shown = model_value(page, "thumbnails", "model.data.src")
    assert 0 < len(shown) <= 120
    # Pictures of the frames in view, from <movie>/thumbnails.js.
    script = (results / MOVIE / "thumbnails.js").read_text()
    urls = json.loads(script[script.index("[") : script.rindex("]") + 1])
    assert len(urls) == 365 and urls[100] in shown
    assert all(url.startswith("data:image/jpeg;base64,") for url in shown)
    viewer.screenshot("viewer-zoomed")
    assert viewer.problems == []


def test_markup_in_a_movie_name_is_text(browser, results):
    visit = Visit(browser, (results / f"{MARKUP_ID}.html").as_uri())
    visit.wait_for_viewer()
    page = visit.page
    assert page.locator("h1").inner_text() == MARKUP_NAME
    assert page.title() == f"{MARKUP_NAME} · framescape"
    assert page.locator('img[src="x"]').count() == 0
    visit.screenshot("viewer-markup-name")
    index = Visit(browser, (results / "index.html").as_uri())
    index.page.wait_for_load_state("load")
    names = index.page.locator(".fs-card .fs-name").all_inner_texts()
    assert MARKUP_NAME in names and len(names) == 4
    assert index.page.locator('img[src="x"]').count() == 0
    assert index.page.locator(f'a[href="{MARKUP_ID}.html"]').count() == 1
    index.screenshot("index")
    assert visit.problems == [] and index.problems == []


def test_report_has_the_plots_and_shows_names_as_text(browser, workflow_run):
    workdir, _ = workflow_run
    report = workdir / "report.html"
    snakemake(workdir, "--report", str(report))
    text = report.read_text()
    # The maps and both heatmaps of every movie, embedded; the captions.
    for movie in MOVIES:
        assert f"{movie}/plots/maps.png" in text
        assert f"{movie}/plots/distances_hsl.png" in text
    assert text.count("data:image/png") >= 3 * len(MOVIES)
    assert "Self-similarity of the movie" in text
    # Per-rule runtimes (the report's Statistics page).
    for rule in ("extract_frames", "compute_distances", "embed", "make_viewer"):
        assert f'{{"rule": "{rule}", "runtime": ' in text
    visit = Visit(browser, report.as_uri())
    page = visit.page
    page.get_by_text("Maps", exact=True).click()
    page.get_by_text(MARKUP_ID).first.click()
    page.locator('[iconname="information-circle"]').first.click()
    page.get_by_text(MARKUP_NAME, exact=False).first.wait_for(timeout=WAIT_MS)
    assert page.locator('img[src="x"]').count() == 0
    visit.screenshot("report-job")
    page.locator('[iconname="eye"]').first.click()
    # The maps' picture, shown once it is decoded.
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('img[src^=\"data:image/png\"]'))"
        ".some((img) => img.complete && img.naturalWidth > 0)",
        timeout=WAIT_MS,
    )
    visit.screenshot("report-maps")
    page.goto(report.as_uri())
    page.get_by_text("Statistics", exact=True).click()
    # The runtime charts, drawn by Vega into canvases.
    page.locator(".vega-embed canvas").first.wait_for(timeout=WAIT_MS)
    visit.screenshot("report-statistics")
    # Console messages are the report's own (it asks a CDN for its style sheet).
    assert not [problem for problem in visit.problems if problem.startswith("dialog")]


# A portrait phone movie's pictures: 9:16, as extraction writes them.
PORTRAIT = (90, 160)


@pytest.fixture(scope="module")
def portrait(tmp_path_factory):
    """A results folder with the viewer and index of a movie of 24 portrait
    pictures (PORTRAIT), made by the viewer's own steps; its frames lie on a
    circle, far apart, and their files are numbered out of order (the page
    lists them instead of rebuilding each name)."""
    results = tmp_path_factory.mktemp("portrait") / "results"
    frames = results / "phone" / "frames"
    frames.mkdir(parents=True)
    n = 24
    angle = np.linspace(0, 2 * np.pi, n, endpoint=False)
    gradient = np.linspace(0, 255, PORTRAIT[1], dtype=np.uint8)[:, None]
    items = []
    for i in range(n):
        pixels = np.zeros((PORTRAIT[1], PORTRAIT[0], 3), np.uint8)
        pixels[..., 0] = gradient
        pixels[..., 2] = i * 10
        name = f"{i * 5 % n + 1:06d}.png"
        Image.fromarray(pixels).save(frames / name)
        point = 0.5 + 0.4 * np.array([np.cos(angle[i]), np.sin(angle[i])])
        items.append(
            {
                "src": f"phone/frames/{name}",
                "frame": i,
                "time": float(i),
                "mds_gray": point.round(6).tolist(),
            }
        )
    json_path = results / "phone.json"
    json_path.write_text(json.dumps(items))
    probe = results / "phone" / "probe.json"
    probe.write_text(json.dumps({"error": None, "width": 1080, "height": 1920}))
    nearest = results / "phone" / "nearest" / "gray.npy"
    nearest.parent.mkdir()
    np.save(nearest, ((np.arange(n)[:, None] + np.arange(1, 5)) % n).astype(np.int32))
    fake_movie_pages(results, "phone", json_path, probe, nearest)
    return results


def shape(locator):
    """Width / height of an element as drawn."""
    box = locator.bounding_box()
    return box["width"] / box["height"]


def height(locator):
    return locator.bounding_box()["height"]


def test_pictures_keep_a_portrait_movie_shape(browser, portrait):
    aspect = PORTRAIT[0] / PORTRAIT[1]
    visit = Visit(browser, (portrait / "phone.html").as_uri())
    visit.wait_for_viewer()
    page = visit.page
    point = page.evaluate(SCREEN_POSITION, 5)
    page.mouse.move(*point)
    hover = page.locator('img[alt="frame 5"]').first
    hover.wait_for(state="visible", timeout=WAIT_MS)
    items = load_items(portrait, "phone")
    assert hover.get_attribute("src") == items[5]["src"] == "phone/frames/000002.png"
    assert shape(hover) == pytest.approx(aspect, rel=0.02)
    assert height(hover) == pytest.approx(toolkit.HOVER_SIDE, abs=1)
    page.mouse.click(*point)
    large = page.locator("figure.fs-large img")
    large.wait_for(timeout=WAIT_MS)
    assert shape(large) == pytest.approx(aspect, rel=0.02)
    assert height(large) == pytest.approx(340, abs=1)  # its limit (framescape.css)
    near = page.locator("figure.fs-near img")
    near.nth(3).wait_for(timeout=WAIT_MS)
    assert near.count() == 4
    # Each a picture of the frame it names, loaded (the listed names).
    page.wait_for_function(
        "() => [...document.querySelectorAll('figure img')]"
        ".every((img) => img.complete && img.naturalWidth > 0)",
        timeout=WAIT_MS,
    )
    assert [near.nth(j).get_attribute("src") for j in range(4)] == [
        items[j]["src"] for j in range(6, 10)
    ]
    for j in range(4):
        assert shape(near.nth(j)) == pytest.approx(aspect, rel=0.02)
        assert height(near.nth(j)) == pytest.approx(150, abs=1)
    visit.screenshot("portrait-details")
    # Zoomed in, the map draws each frame in a portrait box (screen pixels).
    zoom_in_on(page, 5)
    size = model_value(
        page, "thumbnail_pictures", "[model.glyph.w.value, model.glyph.h.value]"
    )
    assert size[0] / size[1] == pytest.approx(aspect, rel=0.02)
    visit.screenshot("portrait-zoomed")
    index = Visit(browser, (portrait / "index.html").as_uri())
    card = index.page.locator(".fs-card img")
    card.wait_for(timeout=WAIT_MS)
    assert shape(card) == pytest.approx(aspect, rel=0.02)
    assert height(card) <= 12 * 16 + 1  # 12rem (framescape.css)
    index.screenshot("portrait-index")
    assert visit.problems == [] and index.problems == []


# The folder map (results/collection.html) over the shared run's movies.


@pytest.fixture(scope="module")
def collection(results):
    """The shared run's results, its folder map among them."""
    assert (results / "collection.html").is_file()
    return results


@pytest.fixture
def folder_map(browser, collection):
    visit = Visit(browser, (collection / "collection.html").as_uri())
    visit.wait_for_viewer()
    # collection.js has drawn the paths and wired the legend.
    visit.page.wait_for_function("() => document.body.dataset.map", timeout=WAIT_MS)
    yield visit
    visit.page.close()


def collection_items(collection):
    return json.loads((collection / "collection.json").read_text())


def shown_isolated_point(page, movie=None):
    """The drawn point farthest from every other drawn one, at least 8 px
    (hover and click hit it alone), of the movie numbered ``movie`` if given:
    ``(index, screen)``."""
    data = page.evaluate(FRAMES)
    n = len(data["frame"])
    screen = np.array([page.evaluate(SCREEN_POSITION, i) for i in range(n)], float)
    drawn = np.flatnonzero(np.isfinite(screen).all(axis=1))
    gaps = np.linalg.norm(screen[drawn, None] - screen[None, drawn], axis=2)
    np.fill_diagonal(gaps, np.inf)
    if movie is not None:
        mine = np.array(data["movie"])[drawn] == movie
        drawn, gaps = drawn[mine], gaps[mine]
    # The point farthest from any other: clear of its neighbours' markers.
    best = int(np.argmax(gaps.min(axis=1)))
    assert gaps[best].min() >= 8, "no isolated point to hover"
    return int(drawn[best]), screen


def legend_button(page, m):
    return page.locator(f'.fs-legend [data-movie="{m}"]')


def show_only(page, items, movie):
    """Hide every movie but ``movie`` with the legend's buttons."""
    page.get_by_text("Hide all").click()
    legend_button(
        page, list(dict.fromkeys(i["movie"] for i in items)).index(movie)
    ).click()
    page.wait_for_function(
        "(i) => Number.isFinite(Bokeh.documents[0].get_model_by_name('frames').data.x[i])",
        arg=[item["movie"] for item in items].index(movie),
        timeout=WAIT_MS,
    )


def colour_pixels(page, colour):
    """Pixels of the map's canvas that are exactly ``colour`` (r, g, b)."""
    box = page.locator("canvas").first.bounding_box()
    picture = Image.open(io.BytesIO(page.screenshot(clip=box))).convert("RGB")
    return int((np.asarray(picture) == colour).all(axis=2).sum())


def wait_for_pixels(page, colour, condition):
    """Until the map shows a number of ``colour`` pixels that meets
    ``condition``: that number."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while True:
        count = colour_pixels(page, colour)
        if condition(count) or time.monotonic() > deadline:
            return count
        page.evaluate("() => new Promise((r) => requestAnimationFrame(r))")


def test_folder_map_opens_with_every_frame_and_a_legend(folder_map, collection):
    page = folder_map.page
    items = collection_items(collection)
    data = page.evaluate(FRAMES)
    assert len(data["frame"]) == len(items)
    movies = list(dict.fromkeys(item["movie"] for item in items))
    files = {
        row["movie"]: row["file"] for row in read_movies_tsv(collection / "movies.tsv")
    }
    names = page.locator(".fs-legend .fs-name").all_inner_texts()
    assert names == [files[movie] for movie in movies]
    # Each movie's faint path, through its frames in order.
    paths = model_value(page, "paths", "model.data.movie")
    assert paths == list(range(len(movies)))
    folder_map.screenshot("collection")
    assert folder_map.problems == []


def test_folder_map_legend_hides_and_shows_a_movie(folder_map, collection):
    page = folder_map.page
    items = collection_items(collection)
    m = list(dict.fromkeys(item["movie"] for item in items)).index(MOVIE)
    swatch = legend_button(page, m).locator(".fs-swatch")
    colour = tuple(
        int(part)
        for part in re.findall(
            r"\d+", swatch.evaluate("(e) => getComputedStyle(e).backgroundColor")
        )
    )
    shown = wait_for_pixels(page, colour, lambda count: count > 100)
    assert shown > 100
    legend_button(page, m).click()
    assert legend_button(page, m).get_attribute("aria-pressed") == "false"
    assert wait_for_pixels(page, colour, lambda count: count == 0) == 0
    data = page.evaluate(FRAMES)
    frames = np.flatnonzero(np.array(data["movie"]) == m)
    assert [items[i]["movie"] for i in frames] == [MOVIE] * len(frames)
    assert np.isnan(np.array(data["x"], float)[frames]).all()
    assert np.isfinite(np.delete(np.array(data["x"], float), frames)).all()
    assert m not in model_value(page, "paths", "model.data.movie")
    folder_map.screenshot("collection-hidden")
    # It stays hidden on another map, and shows again at a second click.
    page.locator("select").select_option(index=1)
    page.wait_for_function(
        "(key) => document.body.dataset.map === key",
        arg=model_value(page, "map_select", "model.value"),
        timeout=WAIT_MS,
    )
    assert colour_pixels(page, colour) == 0
    legend_button(page, m).click()
    assert legend_button(page, m).get_attribute("aria-pressed") == "true"
    assert wait_for_pixels(page, colour, lambda count: count > 100) > 100
    assert m in model_value(page, "paths", "model.data.movie")
    assert folder_map.problems == []


def test_folder_map_hover_shows_picture_movie_and_time(folder_map, collection):
    page = folder_map.page
    items = collection_items(collection)
    movies = list(dict.fromkeys(item["movie"] for item in items))
    # The markup-named movie alone, so that its points are far apart.
    show_only(page, items, MARKUP_ID)
    index, screen = shown_isolated_point(page, movies.index(MARKUP_ID))
    item = items[index]
    page.mouse.move(*screen[index])
    picture = page.locator(f'.fs-hover img[alt="frame {item["frame"]}"]').first
    picture.wait_for(state="visible", timeout=WAIT_MS)
    assert picture.get_attribute("src") == item["src"]
    # The picture is the frame's PNG, asked for now and loaded.
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0",
        arg=picture.element_handle(),
        timeout=WAIT_MS,
    )
    tooltip = picture.evaluate("(img) => img.parentElement.innerText")
    assert MARKUP_NAME in tooltip
    assert f"frame {item['frame']} · {item['time']:.2f} s" in tooltip
    assert page.locator('img[src="x"]').count() == 0
    folder_map.screenshot("collection-hover")
    assert folder_map.problems == []


def test_folder_map_click_opens_the_viewer_at_the_frame(folder_map, collection):
    page = folder_map.page
    items = collection_items(collection)
    movies = list(dict.fromkeys(item["movie"] for item in items))
    show_only(page, items, MOVIE)
    index, screen = shown_isolated_point(page, movies.index(MOVIE))
    item = items[index]
    page.mouse.click(*screen[index])
    page.wait_for_url(f"**/{MOVIE}.html#frame={item['frame']}", timeout=WAIT_MS)
    folder_map.wait_for_viewer()
    # That frame selected, as a click on it in the viewer selects it.
    large = page.locator("figure.fs-large img")
    large.wait_for(timeout=WAIT_MS)
    assert large.get_attribute("src") == item["src"]
    frames = load_items(collection, MOVIE)
    position = [frame["frame"] for frame in frames].index(item["frame"])
    assert model_value(page, "timeline", "model.value") == position
    nearest = np.load(collection / MOVIE / "nearest" / "gray.npy")[position]
    shown = page.locator("figure.fs-near img")
    shown.nth(len(nearest) - 1).wait_for(timeout=WAIT_MS)
    assert [shown.nth(j).get_attribute("src") for j in range(shown.count())] == [
        frames[j]["src"] for j in nearest
    ]
    folder_map.screenshot("collection-opened-viewer")
    assert folder_map.problems == []


def test_viewer_ignores_an_address_it_has_no_frame_for(browser, results):
    for address in ("#frame=100000", "#frame=abc", "#frame=-1"):
        visit = Visit(browser, (results / f"{MOVIE}.html").as_uri() + address)
        visit.wait_for_viewer()
        assert model_value(visit.page, "timeline", "model.value") == 0
        assert visit.page.locator("figure.fs-large").count() == 0
        # A frame it has, named later, is selected then.
        visit.page.evaluate("() => { window.location.hash = 'frame=12'; }")
        visit.page.locator("figure.fs-large img").wait_for(timeout=WAIT_MS)
        assert model_value(visit.page, "timeline", "model.value") == 12
        assert visit.problems == []
        visit.page.close()


def test_folder_map_selection_exports_movie_frame_time_file(
    folder_map, collection, tmp_path
):
    page = folder_map.page
    items = collection_items(collection)
    selected, inside = box_select(page, len(items))
    assert len({items[i]["movie"] for i in inside}) > 1
    assert selected == inside.tolist()
    with page.expect_download() as download:
        page.get_by_text("Export selection (CSV)").click()
    path = tmp_path / "selection.csv"
    download.value.save_as(path)
    assert download.value.suggested_filename == "collection-selection.csv"
    with open(path, newline="") as table:
        rows = list(csv.DictReader(table))
    expected = [items[i] for i in selected]
    assert [row["movie"] for row in rows] == [item["movie"] for item in expected]
    assert [int(row["frame"]) for row in rows] == [item["frame"] for item in expected]
    assert [float(row["time"]) for row in rows] == [item["time"] for item in expected]
    assert [row["file"] for row in rows] == [item["src"] for item in expected]
    assert page.get_by_text(f"{len(selected)} frames selected").is_visible()
    folder_map.screenshot("collection-selection")
    assert folder_map.problems == []


def near_an_edge(points, polygon, pixels=2.0):
    """Whether each screen point lies within ``pixels`` of the polygon's edges
    (where the lasso's own sampling of the path may decide either way)."""
    closest = np.full(len(points), np.inf)
    for a, b in zip(polygon, polygon[1:] + polygon[:1]):
        a, b = np.asarray(a), np.asarray(b)
        t = np.clip(((points - a) @ (b - a)) / ((b - a) @ (b - a)), 0, 1)
        closest = np.minimum(
            closest, np.linalg.norm(points - (a + t[:, None] * (b - a)), axis=1)
        )
    return closest <= pixels


def test_folder_map_lasso_selects_and_hiding_a_movie_drops_its_frames(
    folder_map, collection, tmp_path
):
    page = folder_map.page
    items = collection_items(collection)
    page.locator('[title="Lasso Select"]').first.click()
    box = page.locator("canvas").first.bounding_box()
    polygon = [
        (box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        for fx, fy in ((0.1, 0.15), (0.9, 0.1), (0.55, 0.5), (0.85, 0.9), (0.15, 0.8))
    ]
    page.mouse.move(*polygon[0])
    page.mouse.down()
    for corner in polygon[1:] + polygon[:1]:
        page.mouse.move(*corner, steps=12)
    page.mouse.up()
    selected = sorted(model_value(page, "frames", "model.selected.indices"))
    screen = np.array([page.evaluate(SCREEN_POSITION, i) for i in range(len(items))])
    inside = MplPath(polygon).contains_points(screen)
    clear = ~near_an_edge(screen, polygon)
    chosen = np.zeros(len(items), bool)
    chosen[selected] = True
    assert inside.sum() > 10 and (~inside & clear).sum() > 10
    assert np.array_equal(chosen[clear], inside[clear])
    # Hiding a movie with frames in the selection takes them out of it and
    # out of the CSV.
    movies = list(dict.fromkeys(item["movie"] for item in items))
    hidden = items[selected[0]]["movie"]
    legend_button(page, movies.index(hidden)).click()
    page.wait_for_function(
        "(i) => !Bokeh.documents[0].get_model_by_name('frames')"
        ".selected.indices.includes(i)",
        arg=selected[0],
        timeout=WAIT_MS,
    )
    left = sorted(model_value(page, "frames", "model.selected.indices"))
    assert left == [i for i in selected if items[i]["movie"] != hidden]
    with page.expect_download() as download:
        page.get_by_text("Export selection (CSV)").click()
    path = tmp_path / "selection.csv"
    download.value.save_as(path)
    with open(path, newline="") as table:
        rows = list(csv.DictReader(table))
    assert [(row["movie"], int(row["frame"])) for row in rows] == [
        (items[i]["movie"], items[i]["frame"]) for i in left
    ]
    folder_map.screenshot("collection-lasso")
    assert folder_map.problems == []


# Movies of a folder the page numbers: past 65,536 they take 32 bits.
MANY_MOVIES = 2**16 + 1


@pytest.fixture(scope="module")
def many_movies(tmp_path_factory):
    """A folder map of MANY_MOVIES movies of one frame each, on a circle."""
    movies = [f"m{m:05d}" for m in range(MANY_MOVIES)]
    turn = np.linspace(0, 2 * np.pi, MANY_MOVIES, endpoint=False)
    items = [
        {
            "movie": movie,
            "src": f"{movie}/frames/000001.png",
            "frame": 0,
            "time": 0.0,
            "mds_gray": [0.5 + 0.4 * np.cos(a), 0.5 + 0.4 * np.sin(a)],
        }
        for movie, a in zip(movies, turn)
    ]
    files = {movie: f"{movie}.mp4" for movie in movies}
    rows = [{"movie": movie, "file": files[movie], "status": "ok"} for movie in movies]
    results = fake_folder_results(
        tmp_path_factory.mktemp("many") / "results", items, rows
    )
    pages_collection.collection_page_step(
        results / "collection.json",
        results / "movies.tsv",
        results / "_viewer",
        results / "collection.html",
        ["mds_gray"],
        files,
        {},
    )
    return results


def test_folder_map_of_more_movies_than_16_bits_hold(browser, many_movies):
    """The movie numbers arrive as 32-bit integers, and the hover names the
    last movie and its picture."""
    visit = Visit(browser, (many_movies / "collection.html").as_uri())
    visit.wait_for_viewer()
    visit.page.wait_for_function("() => document.body.dataset.map", timeout=WAIT_MS)
    movie = model_value(
        visit.page,
        "frames",
        "[model.data.movie instanceof Uint32Array, model.data.movie.length, "
        "model.data.movie[model.data.movie.length - 1]]",
    )
    assert movie == [True, MANY_MOVIES, MANY_MOVIES - 1]
    last = model_value(
        visit.page,
        "hover_text",
        f"['movie', 'picture'].map((f) => collection.hoverText(model.args, "
        f"{MANY_MOVIES - 1}, f))",
    )
    assert last == [
        f"m{MANY_MOVIES - 1:05d}.mp4",
        f"m{MANY_MOVIES - 1:05d}/frames/000001.png",
    ]
    assert visit.problems == []


# Reused footage (results/reuse.tsv): the shared run's folder holds bikes.mp4
# three times, so its copies repeat each other.


@pytest.fixture(scope="module")
def reused(results):
    """The shared run's reused stretches: ``(listing, files)``, the index's
    listing (pages_reuse.reuse_listing) and ``{movie id: file name}``."""
    rows = pages_reuse.read_reuse_tsv(results / "reuse.tsv")
    files = {
        row["movie"]: row["file"] for row in read_movies_tsv(results / "movies.tsv")
    }
    # Each copy of bikes.mp4 is found in each other one.
    pairs = {frozenset((row["movie_a"], row["movie_b"])) for row in rows}
    copies = (REAL_ID, HOSTILE_ID, MARKUP_ID)
    assert {frozenset((a, b)) for a in copies for b in copies if a < b} <= pairs
    return pages_reuse.reuse_listing(rows, results, files), files


def first_frame_of(results, movie, start):
    """The place in ``<movie>/frames.tsv`` of the first frame at or after
    ``start`` (s), within reuse.tsv's milliseconds."""
    times = [frame["time"] for frame in load_frames_tsv(results / movie / "frames.tsv")]
    return next(i for i, time in enumerate(times) if time >= start - 0.0005)


def test_index_lists_reused_footage_with_pictures_and_links(browser, results, reused):
    listing, files = reused
    visit = Visit(browser, (results / "index.html").as_uri())
    page = visit.page
    pairs = page.locator(".fs-reuse-pair")
    pairs.first.wait_for(timeout=WAIT_MS)
    assert page.locator(".fs-reuse-pairs h2").inner_text() == (
        "Footage that appears more than once"
    )
    assert pairs.count() == len(listing)
    for p, entry in enumerate(listing):
        pair = pairs.nth(p)
        assert pair.locator(".fs-score").inner_text() == f"score {entry['score']:.2f}"
        for s, side in enumerate((entry["a"], entry["b"])):
            shown = pair.locator(".fs-reuse-side").nth(s)
            assert shown.locator(".fs-name").inner_text() == files[side["movie"]]
            assert shown.locator(".fs-times").inner_text() == (
                f"{format_duration(side['start'])}–{format_duration(side['end'])}"
            )
            frame = first_frame_of(results, side["movie"], side["start"])
            assert shown.get_attribute("href") == f"{side['movie']}.html#frame={frame}"
            # The stretch's first frame, loaded once scrolled to (lazy).
            picture = shown.locator("img")
            assert picture.get_attribute("loading") == "lazy"
            assert (
                picture.get_attribute("src")
                == load_items(results, side["movie"])[frame]["src"]
            )
            picture.scroll_into_view_if_needed()
            page.wait_for_function(
                "(img) => img.complete && img.naturalWidth > 0",
                arg=picture.element_handle(),
                timeout=WAIT_MS,
            )
    assert page.locator('img[src="x"]').count() == 0
    pairs.first.scroll_into_view_if_needed()
    visit.screenshot("index-reuse")
    # A side's link opens its movie's viewer with the stretch's first frame.
    side = listing[0]["b"]
    frame = first_frame_of(results, side["movie"], side["start"])
    page.locator(".fs-reuse-side").nth(1).click()
    page.wait_for_url(f"**/{side['movie']}.html#frame={frame}", timeout=WAIT_MS)
    visit.wait_for_viewer()
    page.locator("figure.fs-large img").wait_for(timeout=WAIT_MS)
    assert model_value(page, "timeline", "model.value") == frame
    assert (
        page.locator("figure.fs-large img").get_attribute("src")
        == (load_items(results, side["movie"])[frame]["src"])
    )
    assert visit.problems == []


def timeline_runs(stretches):
    """The runs of reused frames a viewer marks: ``[(first, last)]`` frame
    places, stretches that overlap or touch taken together."""
    runs = []
    for stretch in sorted(stretches, key=lambda stretch: stretch["frame"]):
        if runs and stretch["frame"] <= runs[-1][1] + 1:
            runs[-1][1] = max(runs[-1][1], stretch["last_frame"])
        else:
            runs.append([stretch["frame"], stretch["last_frame"]])
    return [tuple(run) for run in runs]


def set_timeline(page, i):
    """Move the timeline to frame place ``i`` and wait until the page follows."""
    page.evaluate(
        "(i) => { Bokeh.documents[0].get_model_by_name('timeline').value = i; }", i
    )
    page.wait_for_function(
        "(i) => { const doc = Bokeh.documents[0]; const frame = "
        "doc.get_model_by_name('frames').data.frame[i]; return doc"
        ".get_model_by_name('timeline').title.startsWith(`Frame ${frame} `); }",
        arg=i,
        timeout=WAIT_MS,
    )


def wait_for_timeline(page, i):
    page.wait_for_function(
        "(i) => Bokeh.documents[0].get_model_by_name('timeline').value === i",
        arg=i,
        timeout=WAIT_MS,
    )


def assert_marks(page, runs):
    """The page's timeline marks span ``runs`` where the slider puts their
    frames: from 2 px before the handle at the first frame to 2 px before it
    at the last (framescape.css), at least 4 px wide."""
    marks = page.locator(".fs-reuse-mark")
    marks.first.wait_for(timeout=WAIT_MS)
    assert marks.count() == len(runs)
    handle = page.locator(".noUi-handle")
    for m, (first, last) in enumerate(runs):
        box = marks.nth(m).bounding_box()
        assert int(marks.nth(m).get_attribute("data-frame")) == first
        centres = []
        for i in (first, last):
            set_timeline(page, i)
            place = handle.bounding_box()
            centres.append(place["x"] + place["width"] / 2)
        assert box["x"] == pytest.approx(centres[0] - 2, abs=1.5)
        right = max(centres[1] - 2, box["x"] + 4)
        assert box["x"] + box["width"] == pytest.approx(right, abs=1.5)


def assert_listed(page, movie, stretches, files):
    """Below the map: each stretch, its times, and where else it appears,
    names as text, links to those viewers at those frames."""
    entries = page.locator(".fs-reuse li")
    assert entries.count() == len(stretches)
    for m, stretch in enumerate(stretches):
        entry = entries.nth(m)
        assert entry.locator(".fs-reuse-here").inner_text() == (
            f"{format_duration(stretch['start'])}–{format_duration(stretch['end'])}"
        )
        names = entry.locator(".fs-name").all_inner_texts()
        assert names == [
            "this movie" if there["movie"] == movie else files[there["movie"]]
            for there in stretch["also"]
        ]
        links = entry.locator("a")
        assert [links.nth(j).get_attribute("href") for j in range(links.count())] == [
            f"{there['movie']}.html#frame={there['frame']}" for there in stretch["also"]
        ]


@pytest.mark.parametrize("movie", [REAL_ID, MARKUP_ID])
def test_viewer_marks_reused_stretches_on_the_timeline(browser, results, reused, movie):
    listing, files = reused
    stretches = pages_reuse.movie_stretches(listing)[movie]
    # Each place's first frame: the first at or after its start.
    for stretch in stretches:
        assert stretch["frame"] == first_frame_of(results, movie, stretch["start"])
        for there in stretch["also"]:
            assert there["frame"] == first_frame_of(
                results, there["movie"], there["start"]
            )
    visit = Visit(browser, (results / f"{movie}.html").as_uri())
    visit.wait_for_viewer()
    page = visit.page
    assert_marks(page, timeline_runs(stretches))
    assert_listed(page, movie, stretches, files)
    assert page.locator('img[src="x"]').count() == 0
    page.locator(".fs-reuse").scroll_into_view_if_needed()
    visit.screenshot(f"viewer-reuse-{movie}")
    # A click on a mark, or on a stretch's times, moves the timeline to the
    # stretch's first frame and shows it.
    last = stretches[-1]
    set_timeline(page, 0)
    page.locator(".fs-reuse-mark").last.click()
    wait_for_timeline(page, last["frame"])
    assert (
        page.locator("figure.fs-large img").get_attribute("src")
        == (load_items(results, movie)[last["frame"]]["src"])
    )
    set_timeline(page, 0)
    page.locator(".fs-reuse-here").last.click()
    wait_for_timeline(page, last["frame"])
    # A link to another movie opens its viewer at that place's first frame.
    there = stretches[0]["also"][0]
    assert there["movie"] != movie
    page.locator(".fs-reuse a").first.click()
    page.wait_for_url(
        f"**/{there['movie']}.html#frame={there['frame']}", timeout=WAIT_MS
    )
    visit.wait_for_viewer()
    page.locator("figure.fs-large img").wait_for(timeout=WAIT_MS)
    assert model_value(page, "timeline", "model.value") == there["frame"]
    assert visit.problems == []


FILES_OF_PHONE = {"phone": "phone.mp4"}


def test_viewer_marks_repeats_inside_a_movie_and_only_its_own(
    browser, portrait, tmp_path
):
    """The portrait movie repeating itself (reuse.js made by the rule's step
    from a reuse.tsv): overlapping stretches are one mark, each place names
    the other as "this movie", whose link moves the timeline there; a movie
    reuse.js does not name shows nothing."""
    # A copy: the links name the page itself (phone.html), made here with reuse.
    portrait = shutil.copytree(portrait, tmp_path / "results")
    items = load_items(portrait, "phone")
    rows = [
        [item["frame"], item["time"], item["src"][len("phone/") :]] for item in items
    ]
    save_tsv(portrait / "phone" / "frames.tsv", ["frame", "time", "file"], rows)
    header = ["movie_a", "start_a", "end_a", "movie_b", "start_b", "end_b", "score"]
    save_tsv(
        portrait / "reuse.tsv",
        header,
        [
            ["phone", "2.000", "5.000", "phone", "12.000", "15.000", "0.9"],
            ["phone", "4.000", "7.000", "phone", "18.000", "21.000", "0.6"],
        ],
    )
    pages_reuse.script_step(
        portrait / "reuse.tsv", portrait / "reuse.js", FILES_OF_PHONE
    )
    for movie in ("phone", "absent"):
        (portrait / f"{movie}.html").write_text(
            pages_viewer.viewer_page(
                items,
                ["mds_gray"],
                movie,
                "phone.mp4",
                {},
                1.0,
                PORTRAIT,
                "_viewer",
                True,
            )
        )
    visit = Visit(browser, (portrait / "phone.html").as_uri())
    visit.wait_for_viewer()
    page = visit.page
    assert_marks(page, [(2, 7), (12, 15), (18, 21)])
    stretches = pages_reuse.movie_stretches(
        pages_reuse.reuse_listing(
            pages_reuse.read_reuse_tsv(portrait / "reuse.tsv"), portrait, FILES_OF_PHONE
        )
    )["phone"]
    assert [stretch["frame"] for stretch in stretches] == [2, 4, 12, 18]
    assert_listed(page, "phone", stretches, FILES_OF_PHONE)
    visit.screenshot("viewer-reuse-inside")
    # The link names this page at another frame: the timeline moves there.
    page.locator(".fs-reuse li").first.locator("a").click()
    wait_for_timeline(page, 12)
    page.locator("figure.fs-large img").wait_for(timeout=WAIT_MS)
    assert page.locator("figure.fs-large img").get_attribute("src") == items[12]["src"]
    # Clicked again once the timeline has moved on (the address unchanged).
    set_timeline(page, 0)
    page.locator(".fs-reuse li").first.locator("a").click()
    wait_for_timeline(page, 12)
    assert visit.problems == []
    nothing = Visit(browser, (portrait / "absent.html").as_uri())
    nothing.wait_for_viewer()
    # The page asks for reuse.js (a missing file would be a console error).
    assert nothing.page.locator(".noUi-handle").count() == 1
    assert nothing.page.locator(".fs-reuse-mark").count() == 0
    assert nothing.page.locator(".fs-reuse").is_hidden()
    assert nothing.problems == []


def lines(locator):
    """An element's text, line by line, without blank lines."""
    return [line for line in locator.inner_text().splitlines() if line.strip()]


def test_folder_outputs_out_of_date_are_not_shown_and_say_why(
    browser, results, tmp_path
):
    """The shared run's pages with a folder_status.js saying both folder
    stages are out of date (a movie replaced while a broken one kept the
    folder jobs from running): the index hides the listing and the link and
    says why, with the movies left out; a viewer draws no marks of reuse.js
    and says why; the folder page shows no map, only why."""
    copy = tmp_path / "results"
    shutil.copytree(results, copy, symlinks=True)
    why = f"made before these movies changed: {REAL_NAME}"
    stale = {"state": "stale", "why": why, "left_out": []}
    write_folder_status(
        copy,
        {
            "collection": stale,
            "reuse": {**stale, "left_out": [{"name": "x.mp4", "reason": "bad"}]},
        },
    )
    visit = Visit(browser, (copy / "index.html").as_uri())
    page = visit.page
    assert page.locator(".fs-reuse-pairs").is_hidden()
    assert page.locator(".fs-collection-link").is_hidden()
    notes = page.locator(".fs-stage-note")
    advice = "run framescape again to make it anew."
    assert lines(notes.nth(0)) == [
        f"The map of the whole folder is out of date ({why}): {advice}"
    ]
    assert lines(notes.nth(1)) == [
        f"The list of reused footage is out of date ({why}): {advice}",
        "Left out of the list of reused footage:",
        "x.mp4: bad",
    ]
    visit.screenshot("index-out-of-date")
    viewer = Visit(browser, (copy / f"{REAL_ID}.html").as_uri())
    viewer.wait_for_viewer()
    note = viewer.page.locator(".fs-reuse .fs-stage-note")
    note.wait_for(timeout=WAIT_MS)
    assert note.inner_text().startswith("The list of reused footage is out of date")
    assert viewer.page.locator(".fs-reuse-mark").count() == 0
    assert viewer.page.locator(".fs-reuse li").count() == 0
    folder = Visit(browser, (copy / "collection.html").as_uri())
    assert folder.page.locator(".fs-collection").is_hidden()
    assert (
        folder.page.locator(".fs-stage-note")
        .inner_text()
        .startswith("The map of the whole folder is out of date")
    )
    folder.screenshot("collection-out-of-date")
    # As the run leaves it: current, everything shown again.
    write_folder_status(
        copy,
        {
            "collection": {"state": "current", "why": "", "left_out": []},
            "reuse": {"state": "current", "why": "", "left_out": []},
        },
    )
    page.reload()
    assert page.locator(".fs-reuse-pairs").is_visible()
    assert page.locator(".fs-collection-link").is_visible()
    assert page.locator(".fs-stage-note").nth(0).is_hidden()
    for opened in (visit, viewer, folder):
        assert opened.problems == []
