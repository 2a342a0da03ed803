"""The viewer in a real browser, as a person uses it: the pages of the shared
workflow run (open, from a web server, switch maps, hover, click, selection
export, play, thumbnails, an address's frame, markup in a movie's name, the
report) and those of a movie of portrait pictures (conftest.portrait).
Chromium, screenshots and waits: tests/browser/conftest.py."""

import csv
import functools
import http.server
import json
import threading

import numpy as np
import pytest

from framescape.pages import toolkit
from framescape.testing import MARKUP_ID, MARKUP_NAME, MOVIES, snakemake
from framescape.testing.browser import (
    FRAMES,
    MOVIE,
    PORTRAIT,
    SCREEN_POSITION,
    WAIT_MS,
    Visit,
    box_select,
    load_items,
    model_value,
)

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


@pytest.fixture
def viewer(browser, results):
    visit = Visit(browser, (results / f"{MOVIE}.html").as_uri())
    visit.wait_for_viewer()
    yield visit
    visit.page.close()


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
    page.locator("select[name=map_select]").select_option(label="t-SNE · hsl")
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
