"""What the pages show of a movie's shots, as functions: the figures and the
index's card (the browser test is tests/browser/test_shot_pages.py)."""

import re

import numpy as np
import pytest
from PIL import Image

from framescape.pages import index as pages_index
from framescape.pages import shots as pages_shots
from framescape.run.movies import movies_table
from framescape.shots.table import save_shots, shot_figures
from framescape.testing import fake_movie_results, fake_run_files, make_shots

# 10 fps, 40 frames: a cut at frame 10 (1.0 s), a dissolve over frames 20–23
# (2.0–2.4 s) into the third shot, which shows the first one's set-up again.
SHOTS = make_shots([10, (20, 24)], 40, rate=10.0, groups=[1, 2, 1])
# Sampled twice a second, as the viewer's frames are (fps: 2).
SAMPLED = np.arange(8) * 0.5


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
    page = make_index(results, json_path, probe, shots=True)
    figures = shot_figures(SHOTS)
    assert (
        f'<span class="fs-shot-facts"><span>{figures["shots"]} shots</span> · '
        f'<span>average {figures["average_seconds"]:.1f} s</span> · '
        f'<span>median {figures["median_seconds"]:.1f} s</span></span>'
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
    page = make_index(results, json_path, probe, shots=False)
    assert "shot" not in page and "barcode" not in page
