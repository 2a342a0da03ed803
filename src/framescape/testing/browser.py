"""What the browser tests (tests/browser) share besides fixtures: a page opened
in chromium with every problem it produced (:class:`Visit`), what reads the
pages' Bokeh models and the map's pixels, and where the tests' pictures and
screenshots go."""

import io
import json
import math
import time

import numpy as np

from framescape.testing import REPO

ARTIFACTS = REPO / "test-artifacts"
MOVIE = "demo_year"

# Screen position of frame i under the current map, from the plot's own scales.
SCREEN_POSITION = (REPO / "tests" / "browser" / "screen_position.js").read_text()
FRAMES = "() => Bokeh.documents[0].get_model_by_name('frames').data"
# The folder map's picture of the view (raster.js) is of the view as it is now.
VIEW_DRAWN = """() => {
  const doc = Bokeh.documents[0];
  const plot = doc.get_model_by_name("map");
  const raster = doc.get_model_by_name("raster").data;
  return raster.x[0] === plot.x_range.start && raster.y[0] === plot.y_range.start;
}"""
# The longest any condition is waited for (ms): a loaded machine is slow, a
# broken page never gets there.
WAIT_MS = 20000
# A portrait phone movie's pictures: 9:16, as extraction writes them.
PORTRAIT = (90, 160)


def model_value(page, name, expression):
    """``expression`` over the Bokeh model named ``name`` (as ``model``)."""
    return page.evaluate(
        f"() => {{ const model = Bokeh.documents[0].get_model_by_name({name!r}); "
        f"return {expression}; }}"
    )


class Visit:
    """A page opened in a fresh browser tab, with every console error, page
    error and dialog (alert) it produced; ``before``, a script run in the tab
    before the page's own."""

    def __init__(self, browser, url, before=None):
        self.page = browser.new_page(
            viewport={"width": 1280, "height": 900}, accept_downloads=True
        )
        if before is not None:
            self.page.add_init_script(before)
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

    def wait_for_folder_map(self):
        """Until the folder map's frames are drawn and its legend wired
        (collection.js then names the map shown on the page's body)."""
        self.wait_for_viewer()
        self.page.wait_for_function("() => document.body.dataset.map", timeout=WAIT_MS)

    def screenshot(self, name):
        self.page.screenshot(path=ARTIFACTS / f"{name}.png")


def opened_folder_map(browser, html):
    """A fixture's body: the folder map page ``html`` opened and drawn, then,
    once the test is done, a failure on any error the page reported."""
    visit = Visit(browser, html.as_uri())
    visit.wait_for_folder_map()
    yield visit
    visit.page.close()
    assert visit.problems == []


def load_items(results, movie=MOVIE):
    return json.loads((results / f"{movie}.json").read_text())


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


def lasso_select(page, corners, steps):
    """Draw the lasso tool round ``corners`` (fractions of the map's canvas),
    ``steps`` pointer moves a side: the polygon on screen, and the frames it
    selected, sorted."""
    page.locator('[title="Lasso Select"]').first.click()
    box = page.locator("canvas").first.bounding_box()
    polygon = [
        (box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        for fx, fy in corners
    ]
    page.mouse.move(*polygon[0])
    page.mouse.down()
    for corner in polygon[1:] + polygon[:1]:
        page.mouse.move(*corner, steps=steps)
    page.mouse.up()
    return polygon, sorted(model_value(page, "frames", "model.selected.indices"))


def colour_pixels(page, colour):
    """Pixels of the map's canvas that are exactly ``colour`` (r, g, b)."""
    from PIL import Image

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


def path_colour(hex_colour):
    """The folder map's path of a movie of colour ``"#rrggbb"`` where it
    crosses nothing: its colour at 0.3 over white, as raster.js blends it."""
    value = int(hex_colour[1:], 16)
    return tuple(
        math.floor(channel * 0.3 + 255 * (1 - 0.3) + 0.5)
        for channel in (value >> 16, (value >> 8) & 255, value & 255)
    )
