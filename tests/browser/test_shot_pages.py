"""A movie's shots on the pages, in a real browser: the shared run's bikes.mp4
at 25 frames a second (REAL_ID: six shots, five cuts seen frame by frame) and the demo
(one shot, a frame a second). Under the viewer's timeline, the barcode and a
band a shot, each click moving the timeline; the map coloured by shot and by
group; the heatmap of the map's metric; the index's card with the figures of
shots.tsv. Expectations come from the run's own files (shots.tsv, the JSON),
read here without the pages' code."""

import csv
import io
import shutil
import statistics
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from framescape.common import format_duration, load_json
from framescape.pages.viewer import viewer_step
from framescape.registry import METHODS, METRICS
from framescape.shots.table import save_shots
from framescape.testing import REAL_ID, REAL_NAME, make_shots
from framescape.testing.browser import (
    MOVIE,
    SCREEN_POSITION,
    WAIT_MS,
    Visit,
    load_items,
    model_value,
)

# shots.tsv gives times in whole milliseconds.
ROUNDING = 0.0005
# The colours of the shots and groups (Bokeh's Category10 and Category20).
SHOT_COLOURS = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
]  # fmt: skip
GROUP_COLOURS = [
    "#1f77b4", "#aec7e8", "#ff7f0e", "#ffbb78", "#2ca02c",
    "#98df8a", "#d62728", "#ff9896", "#9467bd", "#c5b0d5",
    "#8c564b", "#c49c94", "#e377c2", "#f7b6d2", "#7f7f7f",
    "#c7c7c7", "#bcbd22", "#dbdb8d", "#17becf", "#9edae5",
]  # fmt: skip
# The strip's parts live in a Bokeh Div's shadow root: Playwright's CSS
# locators reach into it.
BANDS = ".fs-strip .fs-band"


def read_shots(results, movie):
    """``shots.tsv`` as dicts of numbers (and the transition's name)."""
    with open(results / movie / "shots.tsv", newline="", encoding="utf-8") as table:
        rows = list(csv.DictReader(table, dialect="excel-tab"))
    return [
        {key: text if key == "transition" else float(text) for key, text in row.items()}
        for row in rows
    ]


def shot_of(shots, time):
    """The row of the shot a frame at ``time`` shows (a transition's frames:
    the shot it leads into)."""
    return [row for row in shots if row["transition_start"] <= time + ROUNDING][-1]


def open_viewer(browser, results, movie):
    visit = Visit(browser, (results / f"{movie}.html").as_uri())
    visit.wait_for_viewer()
    visit.page.locator(BANDS).first.wait_for(timeout=WAIT_MS)
    return visit


@pytest.fixture
def bikes_viewer(browser, results):
    visit = open_viewer(browser, results, REAL_ID)
    yield visit
    visit.page.close()


def box(locator):
    return locator.bounding_box()


def test_the_shots_lie_under_the_timeline(bikes_viewer, results):
    page = bikes_viewer.page
    shots = read_shots(results, REAL_ID)
    bands = page.locator(BANDS)
    assert bands.count() == len(shots) == 6
    end = shots[-1]["end"]
    # Under the slider's track, as wide, each band where its time lies.
    track = box(page.locator(".noUi-base"))
    strip = box(page.locator(".fs-strip"))
    assert strip["x"] == pytest.approx(track["x"], abs=1)
    assert strip["width"] == pytest.approx(track["width"], abs=1)
    assert strip["y"] > track["y"] + track["height"]
    for band, row in zip(bands.all(), shots, strict=True):
        drawn = box(band)
        left = strip["x"] + strip["width"] * row["transition_start"] / end
        right = strip["x"] + strip["width"] * row["end"] / end
        assert drawn["x"] == pytest.approx(left, abs=1)
        assert drawn["x"] + drawn["width"] == pytest.approx(right, abs=1)
        # Hovering shows its number, times and transition.
        times = f"{format_duration(row['start'])}–{format_duration(row['end'])}"
        kind = row["transition"]
        if row["transition_start"] < row["start"]:
            kind += f" from {format_duration(row['transition_start'])}"
        assert band.get_attribute("title") == (
            f"Shot {row['shot']:.0f} · {times} · {kind} · group {row['group']:.0f}"
        )
    # Only a gradual transition's mixed frames are hatched: bikes.mp4 has cuts.
    assert {row["transition"] for row in shots} == {"start", "cut"}
    assert page.locator(f"{BANDS} .fs-mixed").count() == 0
    # Alternating shades, the first shot's current; the barcode above,
    # loaded, as wide as the strip.
    for k, band in enumerate(bands.all()):
        classes = band.get_attribute("class").split()
        assert f"fs-shade-{k % 2}" in classes
        assert ("fs-current" in classes) == (k == 0)
    barcode = page.locator(".fs-strip .fs-barcode")
    assert barcode.get_attribute("src") == f"{REAL_ID}/plots/barcode.png"
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0",
        arg=barcode.element_handle(),
        timeout=WAIT_MS,
    )
    assert box(barcode)["width"] == pytest.approx(strip["width"], abs=1)
    bikes_viewer.screenshot("viewer-shots")
    assert bikes_viewer.problems == []


def assert_timeline_at(page, items, index):
    """The timeline, its title and the large frame at frame ``index``."""
    page.wait_for_function(
        "(i) => Bokeh.documents[0].get_model_by_name('timeline').value === i",
        arg=index,
        timeout=WAIT_MS,
    )
    item = items[index]
    assert model_value(page, "timeline", "model.title") == (
        f"Frame {item['frame']} · {item['time']:.2f} s"
    )
    large = page.locator("figure.fs-large img")
    large.wait_for(timeout=WAIT_MS)
    assert large.get_attribute("src") == item["src"]


@pytest.fixture
def dissolving(browser, results, tmp_path):
    """bikes.mp4's viewer made again by its own step, in a copy of its
    results, from shots where the third begins with a dissolve of 10 frames:
    ``(page, the shots)``."""
    copy = tmp_path / "results"
    for folder in (REAL_ID, "_viewer"):
        shutil.copytree(results / folder, copy / folder)
    for name in (f"{REAL_ID}.json", "folder_status.js"):
        shutil.copy(results / name, copy)
    found = read_shots(results, REAL_ID)
    frames = int(found[-1]["last_frame"]) + 1
    rate = frames / found[-1]["end"]
    cuts = [int(row["first_frame"]) for row in found[1:]]
    assert cuts[1] - 10 > cuts[0]
    cuts[1] = (cuts[1] - 10, cuts[1])
    shots = make_shots(cuts, frames, rate, groups=[1, 2, 3, 1, 2, 3])
    folder = copy / REAL_ID
    save_shots(folder / "shots.tsv", shots)
    items = load_json(copy / f"{REAL_ID}.json")
    # The run's metrics and maps, in the workflow's order.
    metrics = [m for m in METRICS if (folder / "nearest" / f"{m}.npy").exists()]
    maps = [f"{method}_{m}" for m in metrics for method in METHODS]
    viewer_step(
        copy / f"{REAL_ID}.json",
        folder / "probe.json",
        [folder / "nearest" / f"{metric}.npy" for metric in metrics],
        copy / "_viewer",
        SimpleNamespace(
            page=copy / f"{REAL_ID}.html",
            nearest=folder / "nearest.js",
            thumbnails=folder / "thumbnails.js",
        ),
        REAL_ID,
        [name for name in maps if name in items[0]],
        metrics,
        REAL_NAME,
        1 / (items[1]["time"] - items[0]["time"]),
        shots_tsv=folder / "shots.tsv",
        barcode=folder / "plots" / "barcode.png",
        heatmaps=[folder / "plots" / f"distances_{metric}.png" for metric in metrics],
    )
    visit = open_viewer(browser, copy, REAL_ID)
    yield visit, shots
    visit.page.close()


def test_a_gradual_transition_s_mixed_frames_are_hatched(dissolving):
    visit, shots = dissolving
    page = visit.page
    bands = page.locator(BANDS)
    assert bands.count() == len(shots)
    mixed = page.locator(f"{BANDS} .fs-mixed")
    assert mixed.count() == 1
    # In the third band, from its left edge over the dissolve's share of it.
    band, shot = bands.nth(2), shots[2]
    assert band.locator(".fs-mixed").count() == 1
    drawn, hatched = box(band), box(mixed)
    share = (shot.start - shot.transition_start) / (shot.end - shot.transition_start)
    assert hatched["x"] == pytest.approx(drawn["x"], abs=1)
    assert hatched["width"] == pytest.approx(share * drawn["width"], abs=1)
    assert "repeating-linear-gradient" in mixed.evaluate(
        "(el) => getComputedStyle(el).backgroundImage"
    )
    assert band.get_attribute("title").endswith(
        f"dissolve from {format_duration(shot.transition_start)} · group 3"
    )
    visit.screenshot("viewer-dissolve")
    assert visit.problems == []


def test_a_click_on_a_band_shows_the_shot_s_first_frame(bikes_viewer, results):
    page = bikes_viewer.page
    shots = read_shots(results, REAL_ID)
    items = load_items(results, REAL_ID)
    times = [item["time"] for item in items]
    for k in (3, 2, 5, 0):
        first = next(i for i, time in enumerate(times) if time >= shots[k]["start"])
        page.locator(BANDS).nth(k).click()
        assert_timeline_at(page, items, first)
        # Its band is the current one, the red line at the frame's time.
        current = page.locator(f"{BANDS}.fs-current")
        assert current.get_attribute("data-shot") == f"{shots[k]['shot']:.0f}"
    assert bikes_viewer.problems == []


def test_a_click_on_the_barcode_shows_the_frame_at_that_time(browser, results):
    visit = open_viewer(browser, results, MOVIE)
    page = visit.page
    items = load_items(results)
    end = read_shots(results, MOVIE)[-1]["end"]
    barcode = page.locator(".fs-strip .fs-barcode")
    width = box(barcode)["width"]
    for seconds in (146.5, 20.5, 300.5):
        barcode.click(position={"x": width * seconds / end, "y": 10})
        # The frame on screen then: the last one at or before that time.
        shown = max(i for i, item in enumerate(items) if item["time"] <= seconds)
        assert_timeline_at(page, items, shown)
        line = box(page.locator(".fs-strip .fs-now"))
        strip = box(page.locator(".fs-strip"))
        middle = line["x"] + line["width"] / 2 - strip["x"]
        assert middle == pytest.approx(width * items[shown]["time"] / end, abs=1)
    visit.screenshot("viewer-barcode-click")
    assert visit.problems == []
    visit.page.close()


def drawn_colour(page, point):
    """The colour drawn at ``point`` (page pixels) as ``#rrggbb``."""
    clip = {"x": round(point[0]), "y": round(point[1]), "width": 1, "height": 1}
    picture = Image.open(io.BytesIO(page.screenshot(clip=clip)))
    return "#{:02x}{:02x}{:02x}".format(*picture.convert("RGB").getpixel((0, 0)))


def wait_for_colour(page, point, colour):
    """Until the map draws ``colour`` at ``point`` (it redraws on the next
    animation frame)."""
    for _ in range(WAIT_MS // 50):
        if drawn_colour(page, point) == colour:
            return
        page.wait_for_timeout(50)
    assert drawn_colour(page, point) == colour


def css_colour(hex_colour):
    """``#rrggbb`` as a computed style gives it."""
    return "rgb({}, {}, {})".format(*bytes.fromhex(hex_colour[1:]))


def test_colouring_by_shot_and_group(bikes_viewer, results):
    page = bikes_viewer.page
    shots = read_shots(results, REAL_ID)
    items = load_items(results, REAL_ID)
    screen = np.array([page.evaluate(SCREEN_POSITION, i) for i in range(len(items))])
    # Frames whose middle no other point covers, away from the timeline's
    # ring (at frame 0): one a shot.
    gaps = np.linalg.norm(screen[:, None] - screen[None], axis=2)
    np.fill_diagonal(gaps, np.inf)
    lonely = np.flatnonzero(gaps.min(axis=1) >= 6)
    lonely = lonely[gaps[lonely, 0] >= 14]
    chosen = {}
    for i in lonely:
        chosen.setdefault(shot_of(shots, items[i]["time"])["shot"], int(i))
    assert len(chosen) >= 4, "frames of at least four shots to look at"
    by_time = {i: drawn_colour(page, screen[i]) for i in chosen.values()}
    menu = page.locator("select[name=colour_select]")
    for name, palette in (("shot", SHOT_COLOURS), ("group", GROUP_COLOURS)):
        menu.select_option(label=f"by {name}")
        for i in chosen.values():
            number = int(shot_of(shots, items[i]["time"])[name])
            wait_for_colour(page, screen[i], palette[(number - 1) % len(palette)])
        # The bands take the same colours.
        band = page.locator(BANDS).nth(2)
        expected = palette[(int(shots[2][name]) - 1) % len(palette)]
        colour = band.evaluate("(b) => getComputedStyle(b).backgroundColor")
        assert colour == css_colour(expected)
        bikes_viewer.screenshot(f"viewer-by-{name}")
    menu.select_option(label="by time")
    for i, colour in by_time.items():
        wait_for_colour(page, screen[i], colour)
    assert (
        page.locator(f"{BANDS}.fs-shade-1").first.evaluate("(b) => b.style.background")
        == ""
    )
    assert bikes_viewer.problems == []


def test_the_heatmap_follows_the_map(bikes_viewer):
    page = bikes_viewer.page
    gray = page.locator('.fs-heatmaps img[data-metric="gray"]')
    hsl = page.locator('.fs-heatmaps img[data-metric="hsl"]')
    assert gray.is_visible() and not hsl.is_visible()
    assert gray.get_attribute("src") == f"{REAL_ID}/plots/distances_gray.png"
    page.locator("select[name=map_select]").select_option(label="t-SNE · hsl")
    hsl.wait_for(state="visible", timeout=WAIT_MS)
    assert not gray.is_visible()
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0",
        arg=hsl.element_handle(),
        timeout=WAIT_MS,
    )
    assert bikes_viewer.problems == []


def test_the_index_card_shows_the_figures_of_shots_tsv(browser, results):
    visit = Visit(browser, (results / "index.html").as_uri())
    page = visit.page
    page.wait_for_load_state("load")
    for movie, name in ((REAL_ID, REAL_NAME), (MOVIE, f"{MOVIE}.mp4")):
        shots = read_shots(results, movie)
        lengths = [row["end"] - row["start"] for row in shots]
        average = (shots[-1]["end"] - shots[0]["start"]) / len(shots)
        count = f"{len(shots)} shot" + ("s" if len(shots) > 1 else "")
        card = page.locator(".fs-card").filter(has_text=name)
        assert card.locator(".fs-shot-facts").inner_text() == (
            f"{count} · average {average:.1f} s · "
            f"median {statistics.median(lengths):.1f} s"
        )
        barcode = card.locator("img.fs-barcode")
        assert barcode.get_attribute("src") == f"{movie}/plots/barcode.png"
        page.wait_for_function(
            "(img) => img.complete && img.naturalWidth > 0",
            arg=barcode.element_handle(),
            timeout=WAIT_MS,
        )
        links = card.locator(".fs-shot-files a")
        assert links.all_inner_texts() == [
            "shots.tsv", "EDL", "OTIO", "chapters", "cutting rate"
        ]  # fmt: skip
        for link in links.all():
            assert (results / link.get_attribute("href")).is_file()
    # The folder's table, current.
    folder = page.locator(".fs-shots-link a")
    assert folder.is_visible() and folder.get_attribute("href") == "shots.tsv"
    visit.screenshot("index-shots")
    assert visit.problems == []
    visit.page.close()


def test_a_viewer_without_shots_has_none_of_their_parts(browser, portrait):
    visit = Visit(browser, (portrait / "phone.html").as_uri())
    visit.wait_for_viewer()
    page = visit.page
    assert page.locator(".fs-strip").count() == 0
    assert page.locator("select[name=colour_select]").count() == 0
    assert page.locator(".fs-heatmaps").count() == 0
    # The timeline still moves the marker.
    page.evaluate(
        "() => { Bokeh.documents[0].get_model_by_name('timeline').value = 5; }"
    )
    assert model_value(page, "timeline", "model.title") == "Frame 5 · 5.00 s"
    assert visit.problems == []
    visit.page.close()
