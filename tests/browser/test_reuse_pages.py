"""Reused footage (results/reuse.tsv) in a real browser: the shared run's folder
holds bikes.mp4 three times, so its copies repeat each other, listed on the
index and marked on the viewers' timelines; a movie that repeats itself (the
portrait movie, conftest.portrait); and the pages under a folder status that
says the folder's outputs are out of date."""

import shutil

import pytest

from framescape.common import format_duration, load_frames_tsv, save_tsv
from framescape.pages import reuse as pages_reuse
from framescape.pages import viewer as pages_viewer
from framescape.run.folder_status import write_folder_status
from framescape.run.movies import read_movies_tsv
from framescape.testing import HOSTILE_ID, MARKUP_ID, MOVIES, REAL_ID, REAL_NAME
from framescape.testing.browser import (
    PORTRAIT,
    WAIT_MS,
    Visit,
    load_items,
    model_value,
)

FILES_OF_PHONE = {"phone": "phone.mp4"}


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


def stage_note(page, stage):
    """The index's note on the folder stage ``stage``."""
    return page.locator(f'main > [data-fs-stage-note="{stage}"]')


def lines(locator):
    """An element's text, line by line, without blank lines."""
    return [line for line in locator.inner_text().splitlines() if line.strip()]


def test_folder_outputs_out_of_date_are_not_shown_and_say_why(
    browser, results, tmp_path
):
    """The shared run's pages with a folder_status.js saying the folder
    stages are out of date (a movie replaced while a broken one kept the
    folder jobs from running): the index hides the listing and the links and
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
            "shots": stale,
        },
    )
    visit = Visit(browser, (copy / "index.html").as_uri())
    page = visit.page
    assert page.locator(".fs-reuse-pairs").is_hidden()
    assert page.locator(".fs-collection-link").is_hidden()
    assert page.locator(".fs-shots-link").is_hidden()
    advice = "run framescape again to make it anew."
    assert lines(stage_note(page, "collection")) == [
        f"The map of the whole folder is out of date ({why}): {advice}"
    ]
    assert lines(stage_note(page, "reuse")) == [
        f"The list of reused footage is out of date ({why}): {advice}",
        "Left out of the list of reused footage:",
        "x.mp4: bad",
    ]
    assert lines(stage_note(page, "shots")) == [
        f"The table of every movie's shots is out of date ({why}): {advice}"
    ]
    # Each movie's own shots stay: their shots.tsv is what the card reads.
    assert page.locator(".fs-card .fs-shot-facts").count() == len(MOVIES)
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
            stage: {"state": "current", "why": "", "left_out": []}
            for stage in ("collection", "reuse", "shots")
        },
    )
    page.reload()
    assert page.locator(".fs-reuse-pairs").is_visible()
    assert page.locator(".fs-collection-link").is_visible()
    assert page.locator(".fs-shots-link").is_visible()
    assert page.locator(".fs-stage-note").nth(0).is_hidden()
    for opened in (visit, viewer, folder):
        assert opened.problems == []
