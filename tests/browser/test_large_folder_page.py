"""The folder map of many movies (30,000 frames of 300 movies, made here by the
page's own step): the frames read from the page's data blocks, the legend's
search, and the hover, click, lasso selection, its CSV and a map switch among
them."""

import csv

import numpy as np
import pytest
from matplotlib.path import Path as MplPath
from PIL import Image

from framescape.pages import collection as pages_collection
from framescape.pages import toolkit
from framescape.testing import fake_folder_results, looped_collection
from framescape.testing.browser import (
    FRAMES,
    VIEW_DRAWN,
    WAIT_MS,
    Visit,
    lasso_select,
    model_value,
    opened_folder_map,
    path_colour,
    wait_for_pixels,
)

MOVIES = 300
FRAMES_EACH = 100
KEYS = ["tsne_gray", "umap_hsl"]
# raster.js's ring around a selected point.
RING = (0xD6, 0x27, 0x28)
# Every frame's screen position in one call (tests/browser/screen_position.js
# finds the plot's view each time).
SCREEN_POSITIONS = """() => {
  const doc = Bokeh.documents[0];
  const plot = doc.get_model_by_name("map");
  const data = doc.get_model_by_name("frames").data;
  const view = Bokeh.index.find_one(plot);
  const canvas = view.canvas_view.el.getBoundingClientRect();
  return Array.from(data.x, (x, i) => [
    canvas.left + view.frame.x_scale.compute(x),
    canvas.top + view.frame.y_scale.compute(data.y[i]),
  ]);
}"""


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    """The results folder: collection.json, the page, and stand-ins for each
    movie's viewer (a click opens it) and pictures (the hover shows them)."""
    items, ids = looped_collection(MOVIES, FRAMES_EACH, KEYS)
    files = {movie: f"{movie}.mp4" for movie in ids}
    rows = [{"movie": movie, "file": files[movie], "status": "ok"} for movie in ids]
    results = fake_folder_results(
        tmp_path_factory.mktemp("large") / "results", items, rows
    )
    picture = results / "frame.png"
    Image.new("RGB", (64, 48), (90, 120, 150)).save(picture)
    for movie in ids:
        (results / f"{movie}.html").write_text("<!DOCTYPE html><title>viewer</title>")
        (results / movie / "frames").mkdir(parents=True)
        for i in range(FRAMES_EACH):
            (results / movie / "frames" / f"{i + 1:06d}.png").symlink_to(picture)
    pages_collection.collection_page_step(
        results / "collection.json",
        results / "movies.tsv",
        results / "_viewer",
        results / "collection.html",
        KEYS,
        files,
        {},
    )
    return results, items


@pytest.fixture
def folder_map(browser, large):
    """The page opened and its frames drawn; every test on it fails on an
    error the page reported."""
    results, _ = large
    yield from opened_folder_map(browser, results / "collection.html")


def drawn_coordinates(items, key):
    """The coordinates the page draws of map ``key``: its 16-bit steps."""
    steps, scale = toolkit.quantised(np.array([item[key] for item in items]))
    return np.c_[toolkit.unquantised(steps, scale)]


def shown_x(page):
    return np.array(page.evaluate(FRAMES)["x"], float)


def test_every_frame_comes_from_the_page_blocks(folder_map, large):
    _, items = large
    page = folder_map.page
    data = page.evaluate(FRAMES)
    assert np.array_equal(
        np.c_[data["x"], data["y"]].astype(np.float32),
        drawn_coordinates(items, KEYS[0]),
    )
    assert data["frame"] == [item["frame"] for item in items]
    assert data["time"] == [item["time"] for item in items]
    movies = np.repeat(np.arange(MOVIES), FRAMES_EACH)
    assert data["movie"] == movies.tolist()
    # 300 movies: numbered in 16 bits.
    assert model_value(page, "frames", "model.data.movie instanceof Uint16Array")
    assert folder_map.problems == []


def test_the_legend_finds_movies_and_hides_those_it_lists(folder_map):
    page = folder_map.page
    listed = page.locator(".fs-legend li:not([hidden]) .fs-name")
    assert listed.count() == MOVIES
    page.get_by_placeholder("Find a movie").fill("movie_012")
    assert listed.all_inner_texts() == [f"movie_{m:04d}.mp4" for m in range(120, 130)]
    assert page.locator(".fs-legend-found").inner_text() == "10 found"
    page.get_by_text("Hide all").click()
    found = np.repeat(np.isin(np.arange(MOVIES), range(120, 130)), FRAMES_EACH)
    page.wait_for_function(
        f"(i) => Number.isNaN(({FRAMES})().x[i])",
        arg=int(np.flatnonzero(found)[0]),
        timeout=WAIT_MS,
    )
    x = shown_x(page)
    assert np.isnan(x[found]).all() and np.isfinite(x[~found]).all()
    page.get_by_placeholder("Find a movie").fill("")
    assert listed.count() == MOVIES
    pressed = page.locator('.fs-legend [aria-pressed="false"] .fs-name')
    assert pressed.all_inner_texts() == [f"movie_{m:04d}.mp4" for m in range(120, 130)]
    page.get_by_text("Show all").click()
    page.wait_for_function(f"() => !({FRAMES})().x.some(Number.isNaN)", timeout=WAIT_MS)
    assert folder_map.problems == []


def show_only(page, m):
    """Every movie hidden but number ``m``, with the legend's buttons."""
    page.get_by_text("Hide all").click()
    page.locator(f'.fs-legend [data-movie="{m}"]').click()
    page.wait_for_function(
        f"(i) => Number.isFinite(({FRAMES})().x[i])",
        arg=m * FRAMES_EACH,
        timeout=WAIT_MS,
    )


def lone_frame(page, m):
    """Movie ``m``'s frame farthest on screen from its others: its index and
    its point on the screen."""
    screen = np.array(page.evaluate(SCREEN_POSITIONS), float)
    mine = np.arange(m * FRAMES_EACH, (m + 1) * FRAMES_EACH)
    gaps = np.linalg.norm(screen[mine, None] - screen[None, mine], axis=2)
    np.fill_diagonal(gaps, np.inf)
    best = int(np.argmax(gaps.min(axis=1)))
    assert gaps[best].min() >= 8, "no isolated point"
    return int(mine[best]), screen[mine[best]]


def test_hover_and_click_name_the_frame_among_many(folder_map, large):
    _, items = large
    page = folder_map.page
    m = 217
    show_only(page, m)
    # Its path alone, through its frames.
    path = path_colour(pages_collection.movie_colours(MOVIES)[m])
    assert wait_for_pixels(page, path, lambda count: count > 100) > 100
    i, point = lone_frame(page, m)
    page.mouse.move(*point)
    picture = page.locator(f'.fs-hover img[alt="frame {items[i]["frame"]}"]').first
    picture.wait_for(state="attached", timeout=WAIT_MS)
    assert picture.get_attribute("src") == items[i]["src"]
    tooltip = picture.evaluate("(img) => img.parentElement.innerText")
    assert f"movie_{m:04d}.mp4" in tooltip
    page.mouse.click(*point)
    page.wait_for_url(f"**/movie_{m:04d}.html#frame={items[i]['frame']}")


def test_a_lasso_over_many_selects_and_exports_them(folder_map, large, tmp_path):
    _, items = large
    page = folder_map.page
    polygon, selected = lasso_select(
        page, ((0.3, 0.3), (0.7, 0.35), (0.6, 0.7), (0.35, 0.6)), steps=8
    )
    inside = MplPath(polygon).contains_points(page.evaluate(SCREEN_POSITIONS))
    # The lasso's own sampling of the path may decide points on its edge.
    assert abs(len(selected) - int(inside.sum())) <= 0.02 * inside.sum()
    assert len(selected) > 1000
    with page.expect_download() as download:
        page.get_by_text("Export selection (CSV)").click()
    path = tmp_path / "selection.csv"
    download.value.save_as(path)
    with open(path, newline="") as table:
        rows = list(csv.DictReader(table))
    assert [(row["movie"], int(row["frame"]), row["file"]) for row in rows] == [
        (items[i]["movie"], items[i]["frame"], items[i]["src"]) for i in selected
    ]
    assert page.get_by_text(f"{len(selected)} frames selected").is_visible()
    # The selected points ringed in red.
    assert wait_for_pixels(page, RING, lambda count: count > 1000) > 1000
    folder_map.screenshot("collection-large-lasso")
    assert folder_map.problems == []


def test_a_map_switch_lands_on_the_other_map(folder_map, large):
    _, items = large
    page = folder_map.page
    page.locator("select").select_option(label="UMAP · hsl")
    page.wait_for_function(
        "(key) => document.body.dataset.map === key", arg=KEYS[1], timeout=WAIT_MS
    )
    data = page.evaluate(FRAMES)
    assert np.array_equal(
        np.c_[data["x"], data["y"]].astype(np.float32),
        drawn_coordinates(items, KEYS[1]),
    )
    assert folder_map.problems == []


def test_a_pan_draws_the_view_anew_and_the_hover_comes_back(folder_map, large):
    _, items = large
    page = folder_map.page
    box = page.locator("canvas").first.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 200, y + 100, steps=10)
    page.mouse.up()
    page.wait_for_function(
        f"() => ({VIEW_DRAWN})() && "
        "Bokeh.documents[0].get_model_by_name('map').x_range.start < -0.1",
        timeout=WAIT_MS,
    )
    assert model_value(page, "points", "model.visible")
    # The hover is back: a lone frame's picture and movie.
    m = 42
    show_only(page, m)
    i, point = lone_frame(page, m)
    page.mouse.move(*point)
    picture = page.locator(f'.fs-hover img[alt="frame {items[i]["frame"]}"]').first
    picture.wait_for(state="attached", timeout=WAIT_MS)
    assert picture.get_attribute("src") == items[i]["src"]
    assert folder_map.problems == []


def test_the_frames_glyph_paints_no_marker(folder_map):
    """BokehJS skips a marker whose angle is not a number (the page's glyph of
    the frames): a zoom draws the view anew without one circle on the canvas,
    where a painted glyph would trace every shown frame's."""
    page = folder_map.page
    page.evaluate(
        """() => {
          window.circles = 0;
          const arc = CanvasRenderingContext2D.prototype.arc;
          CanvasRenderingContext2D.prototype.arc = function (...args) {
            window.circles++;
            return arc.apply(this, args);
          };
        }"""
    )
    box = page.locator("canvas").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -300)
    page.wait_for_function(
        f"() => ({VIEW_DRAWN})() && "
        "Bokeh.documents[0].get_model_by_name('map').x_range.start > 0",
        timeout=WAIT_MS,
    )
    assert page.evaluate("() => window.circles") == 0
    assert model_value(page, "points", "model.visible")


# Holds back the first three blocks the page reads (the opening map's, the
# frame numbers, the times) a while: the page is drawn, its frames not yet.
SLOW_BLOCKS = """(() => {
  let calls = 0;
  const arrayBuffer = Response.prototype.arrayBuffer;
  Response.prototype.arrayBuffer = function () {
    const bytes = arrayBuffer.call(this);
    return calls++ < 3
      ? bytes.then((b) => new Promise((r) => setTimeout(() => r(b), 1500)))
      : bytes;
  };
})();"""


def test_a_map_chosen_while_the_frames_are_read_is_the_one_shown(browser, large):
    results, items = large
    visit = Visit(browser, (results / "collection.html").as_uri(), SLOW_BLOCKS)
    page = visit.page
    visit.wait_for_viewer()
    assert page.evaluate(f"() => ({FRAMES})().frame.length") == 0
    page.locator("select").select_option(label="UMAP · hsl")
    page.wait_for_function(
        f"(key) => ({FRAMES})().frame.length > 0 && document.body.dataset.map === key",
        arg=KEYS[1],
        timeout=WAIT_MS,
    )
    data = page.evaluate(FRAMES)
    assert np.array_equal(
        np.c_[data["x"], data["y"]].astype(np.float32),
        drawn_coordinates(items, KEYS[1]),
    )
    # A movie hidden now leaves the others where this map has them.
    page.locator('.fs-legend [data-movie="0"]').click()
    page.wait_for_function(f"() => Number.isNaN(({FRAMES})().x[0])", timeout=WAIT_MS)
    x = shown_x(page)
    assert np.array_equal(
        x[FRAMES_EACH:].astype(np.float32),
        drawn_coordinates(items, KEYS[1])[FRAMES_EACH:, 0],
    )
    page.close()
    assert visit.problems == []


def test_a_browser_that_cannot_read_the_frames_says_so(browser, large):
    results, _ = large
    visit = Visit(
        browser,
        (results / "collection.html").as_uri(),
        "delete window.DecompressionStream;",
    )
    page = visit.page
    visit.wait_for_viewer()
    page.get_by_text("This browser cannot read the map's frames").wait_for(
        timeout=WAIT_MS
    )
    # The reason is in the console for whoever looks.
    assert any("DecompressionStream" in problem for problem in visit.problems)
    page.close()
