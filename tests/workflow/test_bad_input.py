"""The bad-input catalogue (docs/inputs.md, "Bad input, case by case"): one
folder holding every kind of file, name and movie users point us at, run with
--keep-going. Each bad file gets one line naming it and the reason; every other
movie finishes with finite maps; nothing outside the results folder changes; no
name runs anything."""

import hashlib
import html
import json
import math
import os
import re
import stat
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest

from framescape.common import load_frames_tsv
from framescape.run.movies import read_movies_tsv
from framescape.testing import (
    HOSTILE_NAME,
    copy_movie,
    ffmpeg,
    make_movie,
    snakemake,
    write_config,
)

LONG_NAME = "ein sehr langer Filmname " * 9 + "Ende.mp4"  # 230 bytes
# file → the reason on its error line, its status in movies.tsv and its line in
# index.html.
BAD = {
    "empty.mp4": "empty file (0 bytes)",
    "text.mp4": "not a movie, or truncated (ffmpeg: moov atom not found)",
    "photo.mp4": "a still image (mjpeg), not a movie",
    "document.mp4": "not a movie, or truncated (ffmpeg: moov atom not found)",
    "half.mp4": "not a movie, or truncated (ffmpeg: moov atom not found)",
    "audio only.mp4": "no video stream (audio-only or not a movie)",
    "no frames.mp4": "no video stream (audio-only or not a movie)",
    "too short.mp4": (
        "decodes to zero frames at fps=1 (shorter than one sampling interval? "
        "raise fps)"
    ),
}
# Links that point nowhere are named and skipped when the run starts.
SKIPPED = {
    "dangling.mp4": "framescape: skipping dangling.mp4: broken symbolic link (to gone.mp4)"
}
# file → (movie id, frames at 1 fps).
GOOD = {
    "bikes.mp4": ("bikes", 10),
    "one frame.mp4": ("one_frame", 1),
    "two frames.mp4": ("two_frames", 2),
    "identical.mp4": ("identical", 3),
    "black.mp4": ("black", 1),
    "variable rate.mp4": ("variable_rate", 18),
    "rotated.mp4": ("rotated", 3),
    "odd 175x143 yuv444.mp4": ("odd_175x143_yuv444", 2),
    "portrait.mp4": ("portrait", 2),
    "wide pixels.mp4": ("wide_pixels", 2),
    "ten bit.mkv": ("ten_bit", 2),
    "animation.gif": ("animation", 2),
    HOSTILE_NAME: ("it_s_a_movie_touch_PWNED", 2),
    "-starts with a dash.mp4": ("starts_with_a_dash", 2),
    "ünïcödé 映画.mp4": ("unicode", 2),
    # Cut to 100 characters (then its trailing "_"), and the name's hash.
    LONG_NAME: (
        "ein_sehr_langer_Filmname_" * 3
        + "ein_sehr_langer_Filmname-"
        + hashlib.sha1(LONG_NAME.encode()).hexdigest()[:8],
        2,
    ),
    # "a b" and "a_b" share the id a_b: both hashed.
    "a b.mp4": ("a_b-" + hashlib.sha1(b"a b.mp4").hexdigest()[:8], 2),
    "a_b.mp4": ("a_b-" + hashlib.sha1(b"a_b.mp4").hexdigest()[:8], 2),
    # A dot in the id would make results/movie.json this one's folder.
    "movie.json.mp4": ("movie_json", 2),
    "movie.mp4": ("movie", 2),
    # results/index.html is the folder's index.
    "index.mp4": ("index-" + hashlib.sha1(b"index.mp4").hexdigest()[:8], 2),
    "linked.mp4": ("linked", 10),
}


def build_folder(folder, bikes):
    """Every file of the catalogue, made with ffmpeg (or by hand) here."""
    folder.mkdir()
    (folder / "empty.mp4").write_bytes(b"")
    (folder / "text.mp4").write_text("this is not a movie\n")
    (folder / "photo.mp4").write_bytes(
        iio.imwrite("<bytes>", np.zeros((8, 8, 3), np.uint8), extension=".jpg")
    )
    (folder / "document.mp4").write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n")
    data = bikes.read_bytes()
    (folder / "half.mp4").write_bytes(data[: len(data) // 2])
    ffmpeg("-f", "lavfi", "-i", "sine=duration=1", str(folder / "audio only.mp4"))
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=duration=1:size=64x48:rate=10"),
        *("-frames:v", "0", str(folder / "no frames.mp4")),
    )
    make_movie(folder / "too short.mp4", seconds=0.2)
    os.symlink("gone.mp4", folder / "dangling.mp4")

    copy_movie(bikes, folder, "bikes.mp4")
    make_movie(folder / "one frame.mp4", seconds=1)
    make_movie(folder / "two frames.mp4", seconds=2, rate=1)
    make_movie(folder / "identical.mp4", seconds=3, source="color=c=red")
    make_movie(folder / "black.mp4", seconds=1, rate=1, source="color=c=black")
    ffmpeg(  # 30 frames 0.1 s apart, then 30 frames 0.5 s apart: 18 s
        *("-f", "lavfi", "-i", "testsrc2=duration=6:size=64x48:rate=10"),
        *("-vf", "setpts='if(lt(N,30),N/10,3+(N-30)/2)/TB'", "-fps_mode", "vfr"),
        *("-pix_fmt", "yuv420p", str(folder / "variable rate.mp4")),
    )
    upright = make_movie(folder.parent / "upright.mp4", seconds=3)
    ffmpeg(
        *("-display_rotation", "90", "-i", str(upright)),
        *("-c", "copy", str(folder / "rotated.mp4")),
    )
    make_movie(
        folder / "odd 175x143 yuv444.mp4",
        size="175x143",
        source="testsrc",
        extra=("-pix_fmt", "yuv444p"),
    )
    make_movie(folder / "portrait.mp4", size="48x64")
    make_movie(folder / "wide pixels.mp4", extra=("-vf", "setsar=2"))
    make_movie(
        folder / "ten bit.mkv", extra=("-c:v", "ffv1", "-pix_fmt", "yuv444p10le")
    )
    make_movie(folder / "animation.gif")
    for name in (HOSTILE_NAME, "-starts with a dash.mp4", "ünïcödé 映画.mp4"):
        make_movie(folder / name)
    for name in (
        LONG_NAME,
        "a b.mp4",
        "a_b.mp4",
        "movie.json.mp4",
        "movie.mp4",
        "index.mp4",
    ):
        make_movie(folder / name)
    os.symlink("bikes.mp4", folder / "linked.mp4")


def snapshot(folder, skip=()):
    """Every path under ``folder`` (but ``skip``): its kind, size, mtime, content."""
    state = {}
    for path in sorted(Path(folder).rglob("*")):
        if any(part in skip for part in path.relative_to(folder).parts):
            continue
        info = path.lstat()
        content = b""
        if stat.S_ISREG(info.st_mode):
            content = hashlib.sha1(path.read_bytes()).hexdigest()
        state[str(path)] = (
            stat.S_IFMT(info.st_mode),
            info.st_size,
            info.st_mtime_ns,
            content,
        )
    return state


def refuse_constant(name):
    raise AssertionError(f"{name} in a JSON file")


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory, bikes):
    """The run: a read-only movie folder and a results folder, both with names a
    shell would act on."""
    workdir = tmp_path_factory.mktemp("catalogue")
    movies = workdir / "movies $(touch PWNED)"
    build_folder(movies, bikes)
    results = "out; touch PWNED"
    write_config(
        workdir,
        movies=str(movies),
        results=results,
        metrics=["gray"],
        methods=["mds"],
        frame_width=64,
        frame_height=48,
    )
    for path in [movies, *movies.iterdir()]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode & ~0o222)
    before = snapshot(workdir, skip=(results, ".snakemake"))
    result = snakemake(workdir, "--keep-going", check=False)
    after = snapshot(workdir, skip=(results, ".snakemake"))
    for path in [movies, *movies.iterdir()]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | 0o200)
    return workdir, workdir / results, result, before, after


def test_each_bad_file_gets_one_line(catalogue):
    _, _, result, _, _ = catalogue
    assert result.returncode != 0
    output = result.stdout + result.stderr
    for name, reason in BAD.items():
        assert f"framescape: error: {name}: {reason}" in output, name
    for line in SKIPPED.values():
        assert line in output
    assert "Traceback" not in output
    # One line each: the error lines are exactly the bad files, once.
    lines = [line for line in output.splitlines() if "framescape: error:" in line]
    assert sorted(line.split(": ")[2] for line in lines) == sorted(BAD)
    assert f"framescape: {len(BAD)} of {len(BAD) + len(GOOD)} movies failed" in output


def catalogue_rows(results):
    return {row["file"]: row for row in read_movies_tsv(results / "movies.tsv")}


def test_every_other_movie_finishes_with_finite_maps(catalogue):
    _, results, _, _, _ = catalogue
    rows = catalogue_rows(results)
    assert sorted(rows) == sorted([*BAD, *GOOD])
    for name, (movie, frames) in GOOD.items():
        assert (rows[name]["movie"], rows[name]["status"]) == (movie, "ok")
        text = (results / f"{movie}.json").read_text()
        items = json.loads(text, parse_constant=refuse_constant)
        assert len(items) == frames, name
        for item in items:
            assert all(math.isfinite(v) and 0.1 <= v <= 0.9 for v in item["mds_gray"])
            assert (results / item["src"]).is_file()


def test_each_bad_file_has_its_reason_in_movies_tsv_and_the_index(catalogue):
    """The status is the outcome of the movie's last step: the probe's for a file
    ffmpeg cannot read, extraction's for one it reads but cannot sample."""
    _, results, _, _, _ = catalogue
    rows = catalogue_rows(results)
    # Each movie's card, its text unescaped (no name here holds markup).
    text = html.unescape((results / "index.html").read_text())
    cards = re.split(r"<li\b", text)[1:]
    for name, reason in BAD.items():
        assert rows[name]["status"] == reason, rows[name]
        assert not (results / f"{rows[name]['movie']}.json").exists()
        card = [card for card in cards if f">{name}<" in card]
        assert len(card) == 1 and f">{reason}<" in card[0], name
    for name, (movie, _) in GOOD.items():
        card = [card for card in cards if f">{name}<" in card]
        assert len(card) == 1 and f'href="{movie}.html"' in card[0], name
    assert len(cards) == len(BAD) + len(GOOD)


def test_odd_movies_keep_their_pictures(catalogue):
    """Rotation is applied, odd sizes and 10-bit decode, variable frame rate
    follows the clock."""
    _, results, _, _, _ = catalogue
    rotated = np.load(results / "rotated" / "frames.npy")
    assert rotated.shape == (3, 48, 64, 3)
    probe = json.loads((results / "rotated" / "probe.json").read_text())
    assert probe["rotated"] and (probe["width"], probe["height"]) == (48, 64)
    times = [
        row["time"] for row in load_frames_tsv(results / "variable_rate" / "frames.tsv")
    ]
    assert times == [float(second) for second in range(18)]
    for movie in ("odd_175x143_yuv444", "ten_bit", "portrait", "wide_pixels"):
        assert np.load(results / movie / "frames.npy").std() > 10, movie
    # All frames identical and the black frame: every point in the middle.
    for movie in ("identical", "black", "one_frame"):
        items = json.loads((results / f"{movie}.json").read_text())
        assert all(item["mds_gray"] == [0.5, 0.5] for item in items)


def test_nothing_written_outside_the_results_folder(catalogue):
    workdir, _, _, before, after = catalogue
    assert after == before
    assert not list(workdir.rglob("PWNED")) and not list(Path.cwd().rglob("PWNED"))


def test_memory_guard_refuses_before_decoding(tmp_path):
    movies = tmp_path / "movies"
    movies.mkdir()
    make_movie(movies / "clip.mp4", seconds=3)
    write_config(tmp_path, memory_limit_gb=0.25)
    result = snakemake(tmp_path, check=False)
    assert result.returncode != 0
    assert re.search(
        r"framescape: error: clip.mp4: needs about 0\.\d GB of memory \(3 frames of "
        r"320x240\) but 0\.2 GB is available: lower fps \(now 1\)",
        result.stdout + result.stderr,
    )
    assert not (tmp_path / "results" / "clip" / "frames.npy").exists()
    assert not list((tmp_path / "results" / "clip").glob(".*partial"))


def test_empty_folder_warns_and_lists_nothing(tmp_path):
    (tmp_path / "movies").mkdir()
    write_config(tmp_path)
    result = snakemake(tmp_path)
    assert "framescape: no movies (mp4, mov," in result.stderr
    assert (tmp_path / "results" / "movies.tsv").read_text().count("\n") == 1
