"""What the pages show of reused footage, as functions: the index's listing,
``reuse.js`` for the viewers, and the pages that carry them (the browser test
is in tests/browser/test_reuse_pages.py)."""

import html
import json
import re
import shutil
from pathlib import Path

import pytest

from framescape.common import FramescapeError, format_duration, save_tsv
from framescape.pages import index as pages_index
from framescape.pages import reuse as pages_reuse
from framescape.pages import viewer as pages_viewer
from framescape.reuse.jobs import TSV_HEADER, reuse_step
from framescape.run.movies import movies_table
from framescape.run.outcomes import index_due, write_outcomes
from framescape.testing import fake_movie_results

# Every character a page or a script could take for markup or a string's end.
HOSTILE = '</script><b>it\'s "A" & B</b>.mp4'


def movie(results, name, times):
    """``results/<name>/`` as the workflow writes it, frames at ``times`` (s)."""
    return fake_movie_results(results, name, times)


def reuse_row(movie_a, start_a, end_a, movie_b, start_b, end_b, score):
    return dict(
        zip(TSV_HEADER, [movie_a, start_a, end_a, movie_b, start_b, end_b, score])
    )


@pytest.fixture(scope="module")
def made_folder(tmp_path_factory):
    """Three movies: ``fast`` at 25 frames a second (10 s), ``slow`` at 3 (a
    third of a second apart: times reuse.tsv rounds to milliseconds),
    ``sparse`` a frame every 5 s."""
    results = tmp_path_factory.mktemp("reuse-view") / "results"
    movie(results, "fast", [i * 0.04 for i in range(250)])
    movie(results, "slow", [i / 3 for i in range(30)])
    movie(results, "sparse", [0.0, 5.0, 10.0, 15.0])
    return results


@pytest.fixture
def folder(made_folder, tmp_path):
    """A copy of :func:`made_folder` for the test to write into."""
    return Path(shutil.copytree(made_folder, tmp_path / "results"))


FILES = {"fast": "fast.mp4", "slow": HOSTILE}


@pytest.mark.parametrize(
    "name, start, end, first, last",
    [
        ("fast", 1.0, 2.0, 25, 50),  # on a frame
        ("fast", 1.01, 1.05, 26, 26),  # between frames: the one after
        ("fast", 9.99, 12.0, 249, 249),  # past the last frame: the last
        ("slow", 1.333, 2.667, 4, 8),  # 1.333333 s and 2.666667 s, rounded
        ("slow", 1.334, 1.9, 5, 5),  # just after a frame: the next
        ("slow", 0.0, 0.2, 0, 0),  # shorter than a frame's interval
        # No frame inside (5 s apart): the nearest to the middle, before or after.
        ("sparse", 5.5, 8.0, 1, 1),
        ("sparse", 6.5, 9.5, 2, 2),
    ],
)
def test_a_stretch_shows_its_first_frame_inside_else_the_nearest(
    folder, name, start, end, first, last
):
    files = {name: f"{name}.mp4"}
    row = reuse_row(name, start, end, name, 20.0, 21.0, 0.5)
    side = pages_reuse.reuse_listing([row], folder, files)[0]["a"]
    assert (side["frame"], side["last_frame"]) == (first, last)
    assert side["picture"] == f"{name}/frames/{first + 1:06d}.png"
    assert (folder / side["picture"]).is_file()
    assert side["link"] == f"{name}.html#frame={first}"


def test_listing_names_both_places_in_the_rows_order(folder):
    rows = [
        reuse_row("fast", 2.0, 5.5, "slow", 1.333, 4.667, 0.9),
        reuse_row("fast", 0.4, 1.2, "fast", 6.0, 6.8, 0.6),
    ]
    listing = pages_reuse.reuse_listing(rows, folder, FILES)
    assert [entry["score"] for entry in listing] == [0.9, 0.6]
    first = listing[0]
    assert first["a"]["file"] == "fast.mp4" and first["b"]["file"] == HOSTILE
    assert (first["a"]["frame"], first["b"]["frame"]) == (50, 4)
    assert first["a"]["start_text"] == format_duration(2.0) == "0:02.0"
    assert first["a"]["end_text"] == "0:05.5"
    assert first["b"]["start_text"] == "0:01.3"
    # A repeat inside one movie: both places in that movie.
    inside = listing[1]
    assert inside["a"]["movie"] == inside["b"]["movie"] == "fast"
    assert (inside["a"]["frame"], inside["b"]["frame"]) == (10, 150)


def script_data(text):
    """The object a ``reuse.js`` hands to ``framescape.addReuse``."""
    match = re.fullmatch(r"framescape\.addReuse\((.*)\);\n", text, re.DOTALL)
    assert match, text
    return json.loads(match.group(1))


def test_script_gives_each_movie_its_stretches_and_where_else_they_appear(folder):
    rows = [
        reuse_row("fast", 2.0, 5.5, "slow", 1.333, 4.667, 0.9),
        reuse_row("fast", 0.4, 1.2, "fast", 6.0, 6.8, 0.6),
        # The same stretch of fast found again in slow, less surely.
        reuse_row("fast", 2.0, 5.5, "slow", 6.0, 9.333, 0.4),
    ]
    data = script_data(pages_reuse.reuse_script(rows, folder, FILES))
    assert set(data) == {"fast", "slow"}
    fast = data["fast"]
    # In time order; the stretch found twice is one, naming both places.
    assert [(s["start"], s["end"]) for s in fast] == [
        (0.4, 1.2),
        (2.0, 5.5),
        (6.0, 6.8),
    ]
    assert [(s["frame"], s["last_frame"]) for s in fast] == [
        (10, 30),
        (50, 137),
        (150, 170),
    ]
    twice = fast[1]
    assert twice["score"] == 0.9
    assert [(t["movie"], t["frame"], t["score"]) for t in twice["also"]] == [
        ("slow", 4, 0.9),
        ("slow", 18, 0.4),
    ]
    assert [t["link"] for t in twice["also"]] == [
        "slow.html#frame=4",
        "slow.html#frame=18",
    ]
    assert twice["also"][0]["file"] == HOSTILE
    assert twice["also"][0]["start_text"] == "0:01.3"
    # The repeat inside fast: each of its two places names the other.
    assert fast[0]["also"][0]["frame"] == 150 and fast[2]["also"][0]["frame"] == 10
    assert [t["file"] for t in fast[0]["also"]] == ["fast.mp4"]
    # slow's two stretches each name fast's one place.
    assert [(s["frame"], [t["frame"] for t in s["also"]]) for s in data["slow"]] == [
        (4, [50]),
        (18, [50]),
    ]


def test_script_of_no_rows_hands_over_nothing(folder):
    assert script_data(pages_reuse.reuse_script([], folder, FILES)) == {}


def test_reuse_tsv_header_is_the_documented_one(tmp_path):
    """The columns reuse.tsv promises its readers, in this order."""
    path = tmp_path / "reuse.tsv"
    reuse_step([], [], 3.0, path)
    first_line = path.read_text().split("\n", 1)[0]
    assert first_line == "movie_a\tstart_a\tend_a\tmovie_b\tstart_b\tend_b\tscore"


def test_a_movie_whose_frames_tsv_lists_no_frames_is_named(folder):
    save_tsv(folder / "slow" / "frames.tsv", ["frame", "time", "file"], [])
    row = reuse_row("fast", 2.0, 5.5, "slow", 1.333, 4.667, 0.9)
    with pytest.raises(FramescapeError, match="lists no frames") as error:
        pages_reuse.reuse_listing([row], folder, FILES)
    assert str(folder / "slow" / "frames.tsv") in str(error.value)


def test_read_reuse_tsv_gives_numbers_and_keeps_names(tmp_path):
    path = tmp_path / "reuse.tsv"
    save_tsv(
        path, TSV_HEADER, [["a", "1.000", "4.250", "b-1", "0.000", "3.250", "0.875"]]
    )
    assert pages_reuse.read_reuse_tsv(path) == [
        reuse_row("a", 1.0, 4.25, "b-1", 0.0, 3.25, 0.875)
    ]
    save_tsv(path, TSV_HEADER, [])
    assert pages_reuse.read_reuse_tsv(path) == []


def make_index(results, reuse):
    """``index.html`` of ``fast``, ``slow`` and a failed movie, listing
    ``reuse`` (a path or None): the page's text."""
    movies = ["fast", "slow", "gone"]
    rows = [
        {"movie": "fast", "file": "fast.mp4", "status": "ok"},
        {"movie": "slow", "file": HOSTILE, "status": "ok"},
        {"movie": "gone", "file": "gone.mp4", "status": "no video stream"},
    ]
    (results / "movies.tsv").write_text(movies_table(rows))
    pages_index.index_step(
        results / "movies.tsv",
        [results / f"{name}.json" for name in movies],
        [results / name / "probe.json" for name in movies],
        results / "_viewer",
        results / "index.html",
        movies,
        reuse=reuse,
    )
    return (results / "index.html").read_text()


def listed_pairs(page):
    """The index's listing of reused footage: per pair, its sides as (link,
    picture, name, times), the text unescaped, and its score text, in the
    page's order."""
    side = re.compile(
        r'<a class="fs-reuse-side" href="([^"]*)"[^>]*><img src="([^"]*)"[^>]*>'
        r'<span class="fs-name">([^<]*)</span><span class="fs-times">([^<]*)</span>'
    )
    return [
        (
            [tuple(map(html.unescape, found)) for found in side.findall(pair)],
            re.findall(r'class="fs-score">([^<]*)<', pair),
        )
        for pair in re.findall(r'<li class="fs-reuse-pair">(.*?)</li>', page, re.DOTALL)
    ]


def test_index_lists_reused_footage_best_first_with_names_as_text(folder):
    reuse = folder / "reuse.tsv"
    save_tsv(
        reuse,
        TSV_HEADER,
        [
            ["fast", "2.000", "5.500", "slow", "1.333", "4.667", "0.900"],
            ["fast", "0.400", "1.200", "fast", "6.000", "6.800", "0.600"],
            # A movie without a map (it failed since) is left out.
            ["gone", "0.000", "3.000", "slow", "0.000", "3.000", "0.500"],
        ],
    )
    page = make_index(folder, reuse)
    assert "Footage that appears more than once" in page
    pairs = re.findall(r'<li class="fs-reuse-pair">(.*?)</li>', page, re.DOTALL)
    assert len(pairs) == 2
    sides = [re.findall(r'href="([^"]*)".*?src="([^"]*)"', pair) for pair in pairs]
    assert sides == [
        [
            ("fast.html#frame=50", "fast/frames/000051.png"),
            ("slow.html#frame=4", "slow/frames/000005.png"),
        ],
        [
            ("fast.html#frame=10", "fast/frames/000011.png"),
            ("fast.html#frame=150", "fast/frames/000151.png"),
        ],
    ]
    assert "0:02.0–0:05.5" in pairs[0] and "0:01.3–0:04.7" in pairs[0]
    assert "score 0.90" in pairs[0] and "score 0.60" in pairs[1]
    assert 'loading="lazy"' in pairs[0]
    # The hostile name is text: escaped wherever it is shown, never raw.
    assert HOSTILE not in page and "<b>" not in page
    # The only scripts: the folder stages' status (assets/folder.js).
    assert page.count("</script>") == page.count("<script src=") == 2
    names = [html.unescape(name) for name in re.findall(r'fs-name">([^<]*)<', pairs[0])]
    assert names == ["fast.mp4", HOSTILE]


@pytest.mark.parametrize("written", [False, True])
def test_index_without_reused_footage_has_no_such_section(folder, written):
    reuse = folder / "reuse.tsv"
    if written:
        save_tsv(reuse, TSV_HEADER, [])
    page = make_index(folder, reuse)
    assert "fs-reuse" not in page and "more than once" not in page
    assert 'href="fast.html"' in page  # the movies are listed as ever
    # Only the note that folder.js fills when the stage is not current (or
    # left movies out) tells the two apart.
    note = '<div class="fs-stage-note" data-fs-stage-note="reuse" data-fs-left-out hidden></div>\n'
    assert page.count(note) == 1
    assert make_index(folder, None) == page.replace(note, "")


@pytest.mark.parametrize("reuse", [False, True])
def test_viewer_loads_reuse_js_only_when_asked(folder, reuse):
    items = json.loads((folder / "fast.json").read_text())
    page = pages_viewer.viewer_page(
        items, ["mds_gray"], "fast", "fast.mp4", {}, 25, (64, 48), "_viewer", reuse
    )
    assert ('<script src="reuse.js"></script>' in page) == reuse
    assert ('<section class="fs-reuse" hidden>' in page) == reuse


def test_index_rewritten_after_a_failed_run_keeps_the_listing(folder):
    """The index written at the end of a run (movies.write_outcomes) lists the
    reused footage as make_index does."""
    reuse = folder / "reuse.tsv"
    save_tsv(
        reuse, TSV_HEADER, [["fast", "2.000", "5.500", "slow", "1.333", "4.667", "0.9"]]
    )
    expected = make_index(folder, reuse)
    (folder / "index.html").unlink()
    (folder / "_viewer").mkdir()  # no index is written before the assets
    movies = {"fast": {"file": "fast.mp4"}, "slow": {"file": HOSTILE}}
    targets = [folder / f"{name}.json" for name in movies]
    outcomes = write_outcomes(
        folder, movies, {name: {"fps": 1} for name in movies}, targets
    )
    assert index_due(outcomes, True, folder / "_viewer")
    pages_index.outcomes_index(folder, movies, folder / "_viewer", reuse=reuse)
    listing = listed_pairs((folder / "index.html").read_text())
    assert listing == listed_pairs(expected)
    [(sides, score)] = listing
    assert [(link, name, times) for link, _, name, times in sides] == [
        ("fast.html#frame=50", "fast.mp4", "0:02.0–0:05.5"),
        ("slow.html#frame=4", HOSTILE, "0:01.3–0:04.7"),
    ]
    assert score == ["score 0.90"]


def test_script_step_writes_reuse_js_beside_the_table(folder):
    reuse = folder / "reuse.tsv"
    save_tsv(
        reuse, TSV_HEADER, [["fast", "2.000", "5.500", "slow", "1.333", "4.667", "0.9"]]
    )
    pages_reuse.script_step(reuse, folder / "reuse.js", FILES)
    data = script_data((folder / "reuse.js").read_text())
    assert [s["frame"] for s in data["fast"]] == [50]
    assert data["slow"][0]["also"][0]["file"] == "fast.mp4"
    assert data["fast"][0]["also"][0]["file"] == HOSTILE
