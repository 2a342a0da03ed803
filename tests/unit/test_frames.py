"""Frame extraction: one decode, timestamps, no 999-frame cap, odd names, bad files,
pictures at their display aspect."""

import io
import re
import shutil
import subprocess
from types import SimpleNamespace

import imageio.v3 as iio
import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from framescape.common import FramescapeError, load_frames_tsv
from framescape.frames.extract import (
    NPY_HEADER_SIZE,
    extract_frames,
    extract_step,
    frame_file,
    npy_header,
)
from framescape.frames.probe import probe_movie, probe_step
from framescape.testing import HOSTILE_NAME, ffmpeg, make_movie


def extract(movie, out, fps, width=32, height=24, **options):
    count = extract_frames(
        movie,
        out / "frames",
        out / "frames.npy",
        out / "frames.tsv",
        fps=fps,
        width=width,
        height=height,
        **options,
    )
    return count, np.load(out / "frames.npy"), load_frames_tsv(out / "frames.tsv")


def test_sampling_follows_ffmpeg_fps_and_keeps_timestamps(tmp_path):
    movie = make_movie(tmp_path / "three seconds.mp4", seconds=3, rate=10)
    count, frames, table = extract(movie, tmp_path / "out", fps=2)
    assert count == 6
    assert frames.shape == (6, 24, 32, 3) and frames.dtype == np.uint8
    assert [row["time"] for row in table] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
    assert [row["file"] for row in table][:2] == [
        "frames/000001.png",
        "frames/000002.png",
    ]


@pytest.mark.parametrize("keep_aspect", [False, True])
def test_pngs_hold_the_npy_pixels_when_the_frame_has_the_movies_shape(
    tmp_path, bikes, keep_aspect
):
    # bikes is 640×272: 64 px wide it is 27.2 px high, so 64×27 is its shape.
    count, frames, table = extract(
        bikes, tmp_path / "out", fps=25, width=64, height=27, keep_aspect=keep_aspect
    )
    assert count == 250  # 10 s at 25 fps: every frame of the real movie
    for row in table[::50]:
        png = iio.imread(tmp_path / "out" / row["file"])
        np.testing.assert_array_equal(png, frames[row["frame"]])
    assert frames.std() > 10  # real footage, not a blank


def test_pngs_of_a_4_3_movie_are_the_npy_frames(tmp_path):
    movie = make_movie(tmp_path / "four by three.mp4", seconds=1, rate=5)
    _, frames, table = extract(movie, tmp_path / "out", fps=5, width=32, height=24)
    pngs = np.stack([iio.imread(tmp_path / "out" / row["file"]) for row in table])
    np.testing.assert_array_equal(pngs, frames)


def reference_command(movie, png_folder, fps, width, height, keep_aspect):
    """The ffmpeg arguments framescape wrote out by hand before ffmpeg-python
    built its filter graph: what frames.npy and frames.tsv must still come from."""
    if keep_aspect:
        scale = (
            "scale=iw*sar:ih,setsar=1,"
            f"scale={width}:{height}:force_original_aspect_ratio=decrease,"
            f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2"
        )
    else:
        scale = f"scale={width}:{height}"
    chain = f"fps={fps},{scale},setsar=1,showinfo"
    return [
        imageio_ffmpeg.get_ffmpeg_exe(),
        *("-nostdin", "-hide_banner", "-nostats", "-loglevel", "level+info"),
        *("-threads", "1", "-i", str(movie)),
        *("-filter_complex", f"[0:v:0]{chain},format=rgb24,split=2[raw][png]"),
        *("-map", "[raw]", "-fps_mode", "passthrough"),
        *("-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"),
        *("-map", "[png]", "-fps_mode", "passthrough", "-c:v", "png"),
        *("-compression_level", "1", "-threads", "1", "-start_number", "1"),
        str(png_folder / "%06d.png"),
    ]


@pytest.mark.parametrize(
    "movie_kind, keep_aspect",
    [("bikes", False), ("bikes", True), ("portrait", False), ("wide pixels", True)],
)
def test_npy_and_tsv_match_the_hand_written_command(
    tmp_path, bikes, movie_kind, keep_aspect
):
    movie = {
        "bikes": lambda: bikes,
        "portrait": lambda: make_movie(tmp_path / "p.mp4", size="90x160"),
        "wide pixels": lambda: make_movie(
            tmp_path / "w.mp4", extra=("-vf", "setsar=2")
        ),
    }[movie_kind]()
    reference_pngs = tmp_path / "reference"
    reference_pngs.mkdir()
    reference = subprocess.run(
        reference_command(movie, reference_pngs, 5, 80, 60, keep_aspect),
        capture_output=True,
        check=True,
    )
    times = re.findall(
        r"Parsed_showinfo.*\bpts_time:\s*(\S+)", reference.stderr.decode()
    )
    expected_tsv = "frame\ttime\tfile\n" + "".join(
        f"{index}\t{float(seconds):.6f}\tframes/{index + 1:06d}.png\n"
        for index, seconds in enumerate(times)
    )

    out = tmp_path / "out"
    count, _, _ = extract(
        movie, out, fps=5, width=80, height=60, keep_aspect=keep_aspect
    )
    npy = (out / "frames.npy").read_bytes()
    assert count == len(times) > 5
    assert npy[NPY_HEADER_SIZE:] == reference.stdout
    assert npy[:NPY_HEADER_SIZE] == npy_header((count, 60, 80, 3))
    assert (out / "frames.tsv").read_text() == expected_tsv


def reshaped(bikes, path, video_filter):
    """Two seconds of bikes.mp4 (640×272) through ``video_filter``."""
    ffmpeg("-i", str(bikes), "-t", "2", "-vf", video_filter, str(path))
    return path


# The movie made from bikes.mp4: its filter, its display rotation (degrees), and
# its display aspect (width / height).
SHAPED_MOVIES = {
    "portrait": ("crop=153:272", None, 153 / 272),
    "wide pixels": ("scale=320:272,setsar=2", None, 640 / 272),
    # Stored sideways (272×153), shown upright (153×272).
    "rotated phone": ("crop=153:272,transpose=1", "90", 153 / 272),
}


@pytest.mark.parametrize("kind", SHAPED_MOVIES)
def test_pngs_keep_the_display_aspect(tmp_path, bikes, kind):
    video_filter, rotation, aspect = SHAPED_MOVIES[kind]
    movie = reshaped(bikes, tmp_path / "movie.mp4", video_filter)
    if rotation:
        stored = movie.rename(tmp_path / "stored.mp4")
        ffmpeg(
            "-display_rotation", rotation, "-i", str(stored), "-c", "copy", str(movie)
        )
        assert probe_movie(movie)["rotated"]
    count, frames, table = extract(movie, tmp_path / "out", fps=5, width=64, height=48)
    assert frames.shape == (count, 48, 64, 3)  # the metrics' size, stretched
    pngs = [Image.open(tmp_path / "out" / row["file"]) for row in table]
    assert {png.size for png in pngs} == {pngs[0].size}
    width, height = pngs[0].size
    assert max(width, height) == 64
    assert abs(width - height * aspect) <= 1, (width, height)
    # The same frame as the npy's, only not stretched: squeezed to the npy's
    # size it is closest to that frame of all.
    for index, png in enumerate(pngs):
        squeezed = np.asarray(png.convert("RGB").resize((64, 48)), float)
        differences = np.abs(squeezed - frames).mean(axis=(1, 2, 3))
        assert differences.argmin() == index, differences


def test_keep_aspect_changes_the_npy_not_the_pngs(tmp_path):
    movie = make_movie(tmp_path / "portrait.mp4", size="90x160")
    stretched = tmp_path / "stretched"
    padded = tmp_path / "padded"
    _, stretched_frames, table = extract(movie, stretched, fps=5, width=64, height=48)
    _, padded_frames, _ = extract(
        movie, padded, fps=5, width=64, height=48, keep_aspect=True
    )
    # Padded: a 27×48 picture in the middle, black on both sides.
    assert padded_frames[:, :, :18].max() == 0 and padded_frames[:, :, -18:].max() == 0
    assert stretched_frames[:, :, :18].mean() > 30
    for row in table:
        np.testing.assert_array_equal(
            iio.imread(stretched / row["file"]), iio.imread(padded / row["file"])
        )


def test_no_999_frame_cap(tmp_path):
    movie = make_movie(
        tmp_path / "long.mp4", seconds=10.5, rate=100, size="16x16", source="testsrc"
    )
    count, frames, table = extract(
        movie, tmp_path / "out", fps=100, width=16, height=16
    )
    assert count == 1050 == len(frames) == len(table)
    assert (tmp_path / "out" / "frames" / "001050.png").is_file()
    assert table[-1]["time"] == pytest.approx(10.49)


def test_hostile_file_name(tmp_path):
    movie = make_movie(tmp_path / "plain.mp4", seconds=1, rate=5)
    hostile = tmp_path / HOSTILE_NAME
    shutil.move(movie, hostile)
    count, _, _ = extract(hostile, tmp_path / "out", fps=5)
    assert count == 5
    assert not list(tmp_path.rglob("PWNED"))


def test_keep_aspect_pads_with_black(tmp_path, bikes):
    _, frames, _ = extract(
        bikes, tmp_path / "out", fps=1, width=64, height=48, keep_aspect=True
    )
    # bikes is 640×272: at 64 px wide it is 27 px high, centred with black bars.
    assert frames[:, :9].max() == 0 and frames[:, -9:].max() < 20
    assert frames[:, 12:36].mean() > 30


def test_keep_aspect_honours_non_square_pixels(tmp_path):
    # 64x48 stored, pixels twice as wide as high: shown as 128x48 (8:3).
    movie = make_movie(tmp_path / "wide.mp4", seconds=1, extra=("-vf", "setsar=2"))
    _, frames, _ = extract(
        movie, tmp_path / "out", fps=1, width=64, height=48, keep_aspect=True
    )
    black_rows = (frames[0].max(axis=(1, 2)) == 0).sum()
    assert black_rows == 48 - 24  # 64x24 picture, padded to 64x48


def test_npy_header_round_trip(tmp_path):
    path = tmp_path / "a.npy"
    data = np.arange(2 * 3 * 4 * 3, dtype=np.uint8).reshape(2, 3, 4, 3)
    path.write_bytes(npy_header(data.shape) + data.tobytes())
    np.testing.assert_array_equal(np.load(path), data)
    # The largest shape still fits the fixed size and numpy reads it back.
    header = io.BytesIO(npy_header((10**12, 8192, 8192, 3)))
    assert np.lib.format.read_magic(header) == (1, 0)
    shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(header)
    assert (shape, fortran_order, dtype) == ((10**12, 8192, 8192, 3), False, np.uint8)
    assert header.tell() == NPY_HEADER_SIZE


def test_frame_files_sort_in_order():
    names = [frame_file(i) for i in (0, 8, 9, 998, 999, 1000, 123456)]
    assert names == sorted(names)
    assert names[0] == "000001.png"


def truncated(source, path, fraction=0.5):
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


@pytest.fixture
def bad_movies(tmp_path, bikes):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "empty.mp4").write_bytes(b"")
    (folder / "text.mp4").write_text("this is not a movie\n")
    (folder / "photo.mp4").write_bytes(
        iio.imwrite("<bytes>", np.zeros((8, 8, 3), np.uint8), extension=".jpg")
    )
    truncated(bikes, folder / "truncated.mp4")
    faststart = tmp_path / "faststart.mp4"
    ffmpeg("-i", str(bikes), "-c", "copy", "-movflags", "+faststart", str(faststart))
    truncated(faststart, folder / "truncated_faststart.mp4")
    ffmpeg("-f", "lavfi", "-i", "sine=duration=1", str(folder / "audio.mp4"))
    make_movie(folder / "short.mp4", seconds=0.2, rate=10)
    return folder


@pytest.mark.parametrize(
    "name, reason",
    [
        ("empty.mp4", "empty file (0 bytes)"),
        ("text.mp4", "not a movie"),
        ("photo.mp4", "a still image (mjpeg), not a movie"),
        ("truncated.mp4", "not a movie, or truncated"),
        ("truncated_faststart.mp4", "truncated or damaged: decoded 5.0 s of 10.0 s"),
        ("audio.mp4", "no video stream"),
        ("short.mp4", "decodes to zero frames at fps=1"),
    ],
)
def test_bad_movies_fail_with_one_line(bad_movies, tmp_path, name, reason):
    """The steps of the workflow's two rules: probe, then extract (which refuses
    what the probe found wrong, and fails on what only decoding shows)."""
    movie = bad_movies / name
    probe = tmp_path / "probe.json"
    probe_step(movie, probe, name)
    out = tmp_path / "out"
    out.mkdir()
    outputs = SimpleNamespace(
        frames_dir=out / "frames",
        frames_npy=out / "frames.npy",
        frames_tsv=out / "frames.tsv",
    )
    with pytest.raises(FramescapeError) as error:
        extract_step(movie, probe, outputs, name, 1, 32, 24, False, 1, 1, 10**6)
    message = str(error.value)
    assert message.startswith(f"{name}: ") and reason in message
    assert "\n" not in message and "Traceback" not in message
    # Nothing is left behind, not even a hidden partial file.
    assert list(out.iterdir()) == []


def test_demo_movie_script_makes_one_frame_per_day(tmp_path):
    from framescape.demo import make_demo

    movie = make_demo(tmp_path / "year.mp4", days=20)
    assert probe_movie(movie)["duration"] == 20.0
    count, frames, table = extract(movie, tmp_path / "out", fps=1, width=48, height=36)
    assert count == 20 and table[-1]["time"] == 19.0
    assert frames.std() > 10


def test_demo_days_follow_the_seasons():
    from framescape.demo import day_frame

    rng = np.random.default_rng(0)
    sky = {day: day_frame(day, rng)[5].mean(axis=1) for day in (172, 355, 80, 265)}
    daylight = {day: (row > 60).mean() for day, row in sky.items()}
    assert daylight[172] > 0.6  # 16 h of day
    assert daylight[355] < 0.4  # 8 h
    ground = {day: day_frame(day, rng)[-5].mean(axis=0) for day in (100, 290)}
    assert ground[100][1] > ground[100][0]  # green spring
    assert ground[290][0] > ground[290][1]  # brown autumn


def test_animated_gif_is_a_movie(tmp_path):
    gif = make_movie(tmp_path / "anim.gif", seconds=2, rate=10, extra=())
    probe = probe_movie(gif)
    assert probe["codec"] == "gif" and probe["duration"] == 2.0
    count, frames, _ = extract(gif, tmp_path / "out", fps=5)
    assert count == 10 and frames.std() > 10
