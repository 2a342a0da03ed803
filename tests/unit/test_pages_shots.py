"""What the pages show of a movie's shots, as functions: each sampled frame's
shot, the bands, the figures, the index's card and the viewer's data (the
browser test is tests/browser/test_shot_pages.py)."""

import base64
import gzip
import json
import os
import re
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from framescape.pages import index as pages_index
from framescape.pages import shots as pages_shots
from framescape.pages import viewer as pages_viewer
from framescape.run.movies import movies_table
from framescape.shots.table import save_shots, shot_figures
from framescape.testing import fake_movie_results, fake_run_files, make_shots

# 10 fps, 40 frames: a cut at frame 10 (1.0 s), a dissolve over frames 20–23
# (2.0–2.4 s) into the third shot, which shows the first one's set-up again.
SHOTS = make_shots([10, (20, 24)], 40, rate=10.0, groups=[1, 2, 1])
# Sampled twice a second, as the viewer's frames are (fps: 2).
SAMPLED = np.arange(8) * 0.5


def test_each_sampled_frame_is_in_the_shot_its_time_falls_in():
    shot, group = pages_shots.frame_shots(SHOTS, SAMPLED)
    # The frame at 2.0 s shows the dissolve: the shot it leads into.
    assert shot.tolist() == [1, 1, 2, 2, 3, 3, 3, 3]
    assert group.tolist() == [1, 1, 2, 2, 1, 1, 1, 1]
    assert shot.dtype == group.dtype == np.int32


def test_a_frame_within_a_millisecond_of_a_start_is_in_that_shot():
    # shots.tsv rounds times to milliseconds; ffmpeg's are finer.
    shot, _ = pages_shots.frame_shots(SHOTS, [0.9996, 0.9994, 1.9996, 5.0])
    assert shot.tolist() == [2, 1, 3, 3]


def test_a_band_shows_the_first_frame_at_or_after_its_start():
    bands = pages_shots.shot_bands(SHOTS, SAMPLED)
    assert bands["shot"] == [1, 2, 3]
    assert bands["start"] == [0.0, 1.0, 2.4]
    assert bands["end"] == [1.0, 2.0, 4.0]
    assert bands["transition_start"] == [0.0, 1.0, 2.0]
    assert bands["group"] == [1, 2, 1]
    # Shot 3 starts at 2.4 s: the frame at 2.5 s (its transition's at 2.0 s
    # is mixed).
    assert bands["first"] == [0, 2, 5]
    assert bands["title"] == [
        "Shot 1 · 0:00.0–0:01.0 · start · group 1",
        "Shot 2 · 0:01.0–0:02.0 · cut · group 2",
        "Shot 3 · 0:02.4–0:04.0 · dissolve from 0:02.0 · group 1",
    ]


def test_a_shot_between_two_sampled_frames_shows_the_nearer():
    # 1.2–1.4 s between frames at 1.0 and 1.5 s: nearer the middle (1.3) is 1.5.
    shots = make_shots([12, 14], 40, rate=10.0)
    assert pages_shots.shot_bands(shots, SAMPLED)["first"] == [0, 3, 3]


@pytest.mark.parametrize(
    "shots, facts",
    [
        (SHOTS, ["3 shots", "average 1.3 s", "median 1.0 s"]),
        (make_shots([], 25, rate=10.0), ["1 shot", "average 2.5 s", "median 2.5 s"]),
        ([], ["no shots"]),
    ],
)
def test_the_figures_as_the_pages_show_them(shots, facts):
    assert pages_shots.shot_facts(shots) == facts


def shot_results(tmp_path, files=pages_shots.SHOT_FILES):
    """A results folder with a movie ``m`` (frames at SAMPLED), its
    shots.tsv, barcode and the shot ``files`` named, and the folder's table."""
    results = tmp_path / "results"
    json_path, probe = fake_movie_results(results, "m", SAMPLED.tolist())
    save_shots(results / "m" / "shots.tsv", SHOTS)
    (results / "m" / "plots").mkdir()
    Image.new("RGB", (8, 60)).save(results / "m" / pages_shots.BARCODE)
    for name, _ in files:
        (results / "m" / name).touch()
    (results / "shots.tsv").touch()
    fake_run_files(results)
    rows = [{"movie": "m", "file": "m.mp4", "status": "ok"}]
    (results / "movies.tsv").write_text(movies_table(rows))
    return results, json_path, probe


def test_the_card_links_the_files_that_exist(tmp_path):
    results, _, _ = shot_results(tmp_path, files=pages_shots.SHOT_FILES[2:])
    card = pages_shots.shot_card(results, "m")
    assert card == {
        "facts": ["3 shots", "average 1.3 s", "median 1.0 s"],
        "barcode": "m/plots/barcode.png",
        "files": [
            {"label": "shots.tsv", "link": "m/shots.tsv"},
            {"label": "OTIO", "link": "m/shots.otio"},
            {"label": "chapters", "link": "m/chapters.vtt"},
            {"label": "cutting rate", "link": "m/plots/cutting_rate.png"},
        ],
    }
    # The movie replaced (probed again) and its shots not made since.
    made = (results / "m" / "shots.tsv").stat().st_mtime_ns
    os.utime(results / "m" / "probe.json", ns=(made + 10**9, made + 10**9))
    assert pages_shots.shot_card(results, "m") is None
    (results / "m" / "shots.tsv").unlink()
    assert pages_shots.shot_card(results, "m") is None


def make_index(results, json_path, probe, shots):
    pages_index.index_step(
        results / "movies.tsv",
        [json_path],
        [probe],
        results / "_viewer",
        results / "index.html",
        ["m"],
        shots=shots,
    )
    return (results / "index.html").read_text()


def test_the_index_card_shows_the_shots_only_when_the_run_finds_them(tmp_path):
    results, json_path, probe = shot_results(tmp_path)
    page = make_index(results, json_path, probe, shots=["m"])
    figures = shot_figures(SHOTS)
    assert (
        f'<span class="fs-shot-facts"><span>{figures["shots"]} shots</span> · '
        f"<span>average {figures['average_seconds']:.1f} s</span> · "
        f"<span>median {figures['median_seconds']:.1f} s</span></span>"
    ) in page
    assert '<img class="fs-barcode" src="m/plots/barcode.png"' in page
    links = re.findall(r'<a href="(m/[^"]+)">([^<]+)</a>', page)
    assert links == [
        ("m/shots.tsv", "shots.tsv"),
        ("m/shots.edl", "EDL"),
        ("m/shots.otio", "OTIO"),
        ("m/chapters.vtt", "chapters"),
        ("m/plots/cutting_rate.png", "cutting rate"),
    ]
    assert '<p class="fs-shots-link" data-fs-stage="shots"><a href="shots.tsv">' in page
    # A run without the stage: the page as it was, whatever files lie there.
    page = make_index(results, json_path, probe, shots=[])
    assert "shot" not in page and "barcode" not in page


def test_the_index_at_a_run_s_end_shows_what_exists(tmp_path):
    # outcomes_index: the index written again once a run has ended (failed).
    results, _, _ = shot_results(tmp_path, files=pages_shots.SHOT_FILES[:1])
    (results / "shots.tsv").unlink()
    pages_index.outcomes_index(results, {"m": {}}, results / "_viewer", shots=["m"])
    page = (results / "index.html").read_text()
    assert "<span>3 shots</span>" in page and 'src="m/plots/barcode.png"' in page
    assert re.findall(r'<a href="(m/[^"]+)"', page) == ["m/shots.tsv"]
    # The folder's table not made (its job failed or never ran): no link.
    assert "fs-shots-link" not in page


def viewer_page(results, json_path, probe, **shots):
    """``m.html`` of :func:`shot_results`' movie, made by the viewer's step
    with the ``shots`` files given."""
    outputs = SimpleNamespace(
        page=results / "m.html",
        nearest=results / "m" / "nearest.js",
        thumbnails=results / "m" / "thumbnails.js",
    )
    nearest = results / "m" / "nearest.npy"
    np.save(nearest, np.zeros((len(SAMPLED), 2), np.int32))
    pages_viewer.viewer_step(
        json_path,
        probe,
        [nearest],
        results / "_viewer",
        outputs,
        "m",
        ["mds_gray"],
        ["gray"],
        "m.mp4",
        2.0,
        **shots,
    )
    return outputs.page.read_text()


def document_of(page):
    """The Bokeh document of a viewer page, as JSON."""
    text = re.search(r"const docs_json = '(.*?)';", page).group(1)
    return json.loads(text.encode().decode("unicode_escape"))


def models_named(document):
    """Every named model of a Bokeh document: ``{name: its attributes}``."""
    named = {}

    def walk(value):
        if isinstance(value, dict):
            if "name" in value.get("attributes", {}):
                named[value["attributes"]["name"]] = value["attributes"]
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(document)
    return named


def array_of(column):
    """A Bokeh document's binary column (base64 of gzip) as a numpy array."""
    data = gzip.decompress(base64.b64decode(column["array"]["data"]))
    return np.frombuffer(data, column["dtype"]).reshape(column["shape"])


def test_the_viewer_gets_the_shots_and_each_frame_s_shot(tmp_path):
    results, json_path, probe = shot_results(tmp_path)
    heatmap = results / "m" / "plots" / "distances_gray.png"
    heatmap.touch()
    page = viewer_page(
        results,
        json_path,
        probe,
        shots_tsv=results / "m" / "shots.tsv",
        barcode=results / "m" / pages_shots.BARCODE,
        heatmaps=[heatmap],
    )
    assert "3 shots · average 1.3 s · median 1.0 s" in page
    assert '<img src="m/plots/distances_gray.png" data-metric="gray"' in page
    named = models_named(document_of(page))
    assert {"shots", "shots_strip", "colour_select"} <= set(named)
    assert 'src="m/plots/barcode.png"' in named["shots_strip"]["text"]
    assert named["colour_select"]["options"] == [
        ["time", "by time"],
        ["shot", "by shot"],
        ["group", "by group"],
    ]
    columns = dict(named["frames"]["data"]["entries"])
    assert array_of(columns["shot"]).tolist() == [1, 1, 2, 2, 3, 3, 3, 3]
    assert array_of(columns["group"]).tolist() == [1, 1, 2, 2, 1, 1, 1, 1]
    bands = dict(named["shots"]["data"]["entries"])
    assert bands["first"] == [0, 2, 5]


def test_a_viewer_without_shots_is_as_before(tmp_path):
    results, json_path, probe = shot_results(tmp_path)
    page = viewer_page(results, json_path, probe)
    named = models_named(document_of(page))
    assert not {"shots", "shots_strip", "colour_select"} & set(named)
    assert "fs-heatmaps" not in page and " shot" not in page
    # A shots.tsv of no shots (a movie of no frames) shows none either.
    save_shots(results / "m" / "shots.tsv", [])
    page = viewer_page(results, json_path, probe, shots_tsv=results / "m" / "shots.tsv")
    assert "shots_strip" not in page
