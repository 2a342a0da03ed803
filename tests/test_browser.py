"""The viewer in a real browser, as a person uses it: Debian's chromium driven by
Playwright over the pages of the shared workflow run (conftest.workflow_run).

Screenshots go to test-artifacts/ at the top of the repository."""

import csv
import functools
import http.server
import json
import shutil
import subprocess
import threading

import numpy as np
import pytest

from conftest import MARKUP_ID, MARKUP_NAME, MOVIES, REPO, snakemake

pytestmark = pytest.mark.workflow

ARTIFACTS = REPO / "test-artifacts"
MOVIE = "demo_year"

# Screen position of frame i under the current map, from the plot's own scales.
SCREEN_POSITION = """(i) => {
  const doc = Bokeh.documents[0];
  const plot = doc.get_model_by_name("map");
  const data = doc.get_model_by_name("frames").data;
  function find(view) {
    if (view.model === plot) return view;
    for (const child of view.child_views ?? []) {
      const found = find(child);
      if (found) return found;
    }
    return null;
  }
  const view = Object.values(Bokeh.index).map(find).find((found) => found);
  const canvas = view.canvas_view.el.getBoundingClientRect();
  return [
    canvas.left + view.frame.x_scale.compute(data.x[i]),
    canvas.top + view.frame.y_scale.compute(data.y[i]),
  ];
}"""
FRAMES = "() => Bokeh.documents[0].get_model_by_name('frames').data"


def model_value(page, name, expression):
    """``expression`` over the Bokeh model named ``name`` (as ``model``)."""
    return page.evaluate(
        f"() => {{ const model = Bokeh.documents[0].get_model_by_name({name!r}); "
        f"return {expression}; }}"
    )


@pytest.fixture(scope="module")
def chromium():
    path = shutil.which("chromium")
    if path is None:
        result = subprocess.run(
            ["bash", str(REPO / "tests" / "install-chromium")],
            capture_output=True,
            text=True,
            timeout=900,
        )
        path = shutil.which("chromium")
        if path is None:
            pytest.skip(
                "NO BROWSER: Debian's chromium is missing and could not be installed "
                f"({result.stderr.strip()[-300:]}): the viewer was not tested"
            )
    return path


@pytest.fixture(scope="module")
def browser(chromium):
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
            lambda message: message.type == "error"
            and self.problems.append(f"console: {message.text}"),
        )
        self.page.on("pageerror", lambda error: self.problems.append(f"error: {error}"))
        self.page.on("dialog", self.dialog)
        self.page.goto(url)

    def dialog(self, dialog):
        self.problems.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    def wait_for_viewer(self):
        self.page.wait_for_function(
            "() => window.Bokeh && Bokeh.documents.length > 0 && "
            "Bokeh.documents[0].get_model_by_name('map') !== null"
        )
        self.page.locator("canvas").first.wait_for()
        self.page.wait_for_timeout(500)

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


def isolated_frame(page):
    """A frame whose point is at least 12 px from every other one (hover hits it alone)."""
    data = page.evaluate(FRAMES)
    n = len(data["src"])
    screen = np.array([page.evaluate(SCREEN_POSITION, i) for i in range(n)])
    gaps = np.linalg.norm(screen[:, None] - screen[None], axis=2)
    np.fill_diagonal(gaps, np.inf)
    candidates = np.flatnonzero(gaps.min(axis=1) >= 12)
    assert len(candidates), "no isolated point to hover"
    return int(candidates[len(candidates) // 2]), screen


def test_opens_without_errors_with_every_frame(viewer, results):
    assert viewer.problems == []
    items = load_items(results)
    data = viewer.page.evaluate(FRAMES)
    assert len(data["src"]) == len(items) == 365
    assert data["src"] == [item["src"] for item in items]
    assert np.allclose(
        np.c_[data["x"], data["y"]], [item["mds_gray"] for item in items], atol=0
    )
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
        assert visit.page.evaluate(FRAMES)["src"][0] == f"{MOVIE}/frames/000001.png"
        assert visit.problems == []
        visit.page.close()
    finally:
        server.shutdown()


def test_switching_maps_moves_points_smoothly(viewer, results):
    items = load_items(results)
    page = viewer.page
    before = np.c_[page.evaluate(FRAMES)["x"], page.evaluate(FRAMES)["y"]]
    page.locator("select").select_option(label="t-SNE · hsl")
    seen = []
    while page.evaluate("() => document.body.dataset.map") != "tsne_hsl":
        seen.append(page.evaluate(FRAMES)["x"][:50])
        page.wait_for_timeout(40)
    data = page.evaluate(FRAMES)
    after = np.c_[data["x"], data["y"]]
    target = np.array([item["tsne_hsl"] for item in items])
    assert np.array_equal(after, target)
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
    picture.wait_for(state="visible", timeout=5000)
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
    large.wait_for(timeout=5000)
    assert large.get_attribute("src") == items[index]["src"]
    nearest = np.load(results / MOVIE / "nearest" / "gray.npy")[index]
    shown = page.locator("figure.fs-near img")
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
    page.locator('[title="Box Select"]').first.click()
    box = page.locator("canvas").first.bounding_box()
    start = (box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.2)
    end = (box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.7)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=8)
    page.mouse.up()
    selected = sorted(model_value(page, "frames", "model.selected.indices"))
    screen = np.array([page.evaluate(SCREEN_POSITION, i) for i in range(len(items))])
    inside = np.flatnonzero(
        (screen[:, 0] >= start[0])
        & (screen[:, 0] <= end[0])
        & (screen[:, 1] >= start[1])
        & (screen[:, 1] <= end[1])
    )
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
    page.wait_for_timeout(1200)
    page.get_by_text("❚❚ Pause").click()
    value = model_value(page, "timeline", "model.value")
    assert value > 3
    data = page.evaluate(FRAMES)
    marker = model_value(page, "marker", "[model.data.x[0], model.data.y[0]]")
    assert marker == [data["x"][value], data["y"][value]]
    title = model_value(page, "timeline", "model.title")
    assert title == f"Frame {data['frame'][value]} · {data['time'][value]:.2f} s"
    assert viewer.problems == []


def test_zooming_in_shows_thumbnails(viewer, results):
    page = viewer.page
    assert model_value(page, "thumbnails", "model.data.src.length") == 0
    page.mouse.move(*page.evaluate(SCREEN_POSITION, 100))
    for _ in range(60):
        page.mouse.wheel(0, -60)
        page.wait_for_timeout(50)
        if model_value(page, "thumbnails", "model.data.src.length"):
            break
    page.wait_for_timeout(800)
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
    names = index.page.locator(".fs-name").all_inner_texts()
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
    page.get_by_text(MARKUP_NAME, exact=False).first.wait_for(timeout=5000)
    assert page.locator('img[src="x"]').count() == 0
    visit.screenshot("report-job")
    page.locator('[iconname="eye"]').first.click()
    page.wait_for_timeout(800)
    visit.screenshot("report-maps")
    page.goto(report.as_uri())
    page.get_by_text("Statistics", exact=True).click()
    page.wait_for_timeout(1500)
    visit.screenshot("report-statistics")
    # Console messages are the report's own (it asks a CDN for its style sheet).
    assert not [problem for problem in visit.problems if problem.startswith("dialog")]
