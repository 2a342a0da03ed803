"""The folder map (results/collection.html) in a real browser, over the shared
run's movies: its legend, hover, click through to a viewer, box and lasso
selection; a folder map of more movies than 16 bits number, and one of two
movies of one and two frames with names to escape."""

import csv
import json
import re

import numpy as np
import pytest
from matplotlib.path import Path as MplPath
from PIL import Image

from framescape.pages import collection as pages_collection
from framescape.run.movies import read_movies_tsv
from framescape.testing import MARKUP_ID, MARKUP_NAME, fake_folder_results
from framescape.testing.browser import (
    FRAMES,
    MOVIE,
    SCREEN_POSITION,
    WAIT_MS,
    Visit,
    box_select,
    colour_pixels,
    lasso_select,
    load_items,
    model_value,
    opened_folder_map,
    path_colour,
    wait_for_pixels,
)

# Movies of a folder the page numbers: past 65,536 they take 32 bits.
MANY_MOVIES = 2**16 + 1


@pytest.fixture(scope="module")
def collection(results):
    """The shared run's results, its folder map among them."""
    assert (results / "collection.html").is_file()
    return results


def write_folder_page(results, files):
    """collection.html of a made-up folder's results (one map, mds_gray)."""
    pages_collection.collection_page_step(
        results / "collection.json",
        results / "movies.tsv",
        results / "_viewer",
        results / "collection.html",
        ["mds_gray"],
        files,
        {},
    )


@pytest.fixture
def folder_map(browser, collection):
    """The page opened and its frames drawn; every test on it fails on an
    error the page reported."""
    yield from opened_folder_map(browser, collection / "collection.html")


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


def movie_ids(items):
    """The folder's movie ids in the page's order: a movie's number is its
    place here (legend, colours, the frames' ``movie`` column)."""
    return list(dict.fromkeys(item["movie"] for item in items))


def lone_point_of(page, items, movie):
    """Every movie but ``movie`` hidden, and its drawn frame farthest from every
    other (:func:`shown_isolated_point`): ``(item, its point on the screen)``."""
    show_only(page, items, movie)
    index, screen = shown_isolated_point(page, movie_ids(items).index(movie))
    return items[index], screen[index]


def legend_button(page, m):
    return page.locator(f'.fs-legend [data-movie="{m}"]')


def show_only(page, items, movie):
    """Hide every movie but ``movie`` with the legend's buttons."""
    page.get_by_text("Hide all").click()
    legend_button(page, movie_ids(items).index(movie)).click()
    page.wait_for_function(
        "(i) => Number.isFinite(Bokeh.documents[0].get_model_by_name('frames').data.x[i])",
        arg=[item["movie"] for item in items].index(movie),
        timeout=WAIT_MS,
    )


def test_folder_map_opens_with_every_frame_and_a_legend(folder_map, collection):
    page = folder_map.page
    items = collection_items(collection)
    data = page.evaluate(FRAMES)
    assert len(data["frame"]) == len(items)
    movies = movie_ids(items)
    files = {
        row["movie"]: row["file"] for row in read_movies_tsv(collection / "movies.tsv")
    }
    names = page.locator(".fs-legend .fs-name").all_inner_texts()
    assert names == [files[movie] for movie in movies]
    folder_map.screenshot("collection")
    # Each movie's faint path through its frames, under its points.
    colours = pages_collection.movie_colours(len(movies))
    for movie, colour in zip(movies, colours):
        show_only(page, items, movie)
        path = path_colour(colour)
        assert wait_for_pixels(page, path, lambda count: count > 20) > 20, movie
    assert folder_map.problems == []


def test_folder_map_legend_hides_and_shows_a_movie(folder_map, collection):
    page = folder_map.page
    items = collection_items(collection)
    m = movie_ids(items).index(MOVIE)
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
    path = path_colour(pages_collection.movie_colours(len(movie_ids(items)))[m])
    assert wait_for_pixels(page, path, lambda count: count == 0) == 0
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
    assert wait_for_pixels(page, path, lambda count: count > 20) > 20
    assert folder_map.problems == []


def test_folder_map_hover_shows_picture_movie_and_time(folder_map, collection):
    page = folder_map.page
    items = collection_items(collection)
    # The markup-named movie alone, so that its points are far apart.
    item, point = lone_point_of(page, items, MARKUP_ID)
    page.mouse.move(*point)
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
    item, point = lone_point_of(page, items, MOVIE)
    page.mouse.click(*point)
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
    polygon, selected = lasso_select(
        page,
        ((0.1, 0.15), (0.9, 0.1), (0.55, 0.5), (0.85, 0.9), (0.15, 0.8)),
        steps=12,
    )
    screen = np.array([page.evaluate(SCREEN_POSITION, i) for i in range(len(items))])
    inside = MplPath(polygon).contains_points(screen)
    clear = ~near_an_edge(screen, polygon)
    chosen = np.zeros(len(items), bool)
    chosen[selected] = True
    assert inside.sum() > 10 and (~inside & clear).sum() > 10
    assert np.array_equal(chosen[clear], inside[clear])
    # Hiding a movie with frames in the selection takes them out of it and
    # out of the CSV.
    movies = movie_ids(items)
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
    write_folder_page(results, files)
    return results


def test_folder_map_of_more_movies_than_16_bits_hold(browser, many_movies):
    """The movie numbers arrive as 32-bit integers, and the hover names the
    last movie and its picture."""
    visit = Visit(browser, (many_movies / "collection.html").as_uri())
    visit.wait_for_folder_map()
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


# Two movies of one and two frames, named to be escaped (markup, quotes,
# letters past ASCII): what the smallest folder map holds.
SMALL = {
    "one": ("<img src=x onerror=alert(1)>.mp4", [[0.2, 0.3]]),
    "two": ('O\'Brien "ünï" — 東京.mp4', [[0.7, 0.8], [0.8, 0.6]]),
}


@pytest.fixture(scope="module")
def small_folder(tmp_path_factory):
    items = [
        {
            "movie": movie,
            "src": f"{movie}/frames/{i + 1:06d}.png",
            "frame": i,
            "time": i / 25,
            "mds_gray": point,
        }
        for movie, (_, points) in SMALL.items()
        for i, point in enumerate(points)
    ]
    files = {movie: name for movie, (name, _) in SMALL.items()}
    rows = [{"movie": movie, "file": files[movie], "status": "ok"} for movie in SMALL]
    results = fake_folder_results(
        tmp_path_factory.mktemp("small") / "results", items, rows
    )
    # The pictures the hover shows.
    for item in items:
        (results / item["src"]).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (64, 48), (90, 120, 150)).save(results / item["src"])
    write_folder_page(results, files)
    return results, items


def test_folder_map_of_a_one_frame_movie_and_odd_names(browser, small_folder):
    results, items = small_folder
    visit = Visit(browser, (results / "collection.html").as_uri())
    page = visit.page
    visit.wait_for_folder_map()
    names = [name for name, _ in SMALL.values()]
    assert page.locator(".fs-legend .fs-name").all_inner_texts() == names
    data = page.evaluate(FRAMES)
    assert data["frame"] == [0, 0, 1] and data["movie"] == [0, 1, 1]
    # Each movie's points drawn, the second's path between its two.
    colours = pages_collection.movie_colours(len(SMALL))
    for colour in colours:
        rgb = tuple(int(colour[k : k + 2], 16) for k in (1, 3, 5))
        assert wait_for_pixels(page, rgb, lambda count: count > 10) > 10, colour
    path = path_colour(colours[1])
    assert wait_for_pixels(page, path, lambda count: count > 10) > 10
    # The one-frame movie hovered: its name as text.
    page.mouse.move(*page.evaluate(SCREEN_POSITION, 0))
    picture = page.locator('.fs-hover img[alt="frame 0"]').first
    picture.wait_for(state="attached", timeout=WAIT_MS)
    assert picture.get_attribute("src") == items[0]["src"]
    assert names[0] in picture.evaluate("(img) => img.parentElement.innerText")
    page.get_by_placeholder("Find a movie").fill('"ünï"')
    listed = page.locator(".fs-legend li:not([hidden]) .fs-name")
    assert listed.all_inner_texts() == [names[1]]
    page.close()
    assert visit.problems == []
