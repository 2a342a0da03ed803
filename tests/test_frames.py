"""Frame extraction: one decode, timestamps, no 999-frame cap, odd names, bad files."""

import shutil

import imageio.v3 as iio
import numpy as np
import pytest

from conftest import HOSTILE_NAME, ffmpeg, make_movie
from framescape.common import FramescapeError, load_frames_tsv
from framescape.frames import extract_frames, frame_file, npy_header, probe_movie


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


def test_pngs_hold_the_same_pixels_as_the_npy(tmp_path, bikes):
    count, frames, table = extract(bikes, tmp_path / "out", fps=25, width=64, height=48)
    assert count == 250  # 10 s at 25 fps: every frame of the real movie
    for row in table[::50]:
        png = iio.imread(tmp_path / "out" / row["file"])
        np.testing.assert_array_equal(png, frames[row["frame"]])
    assert frames.std() > 10  # real footage, not a blank


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
    assert len(npy_header((10**12, 8192, 8192, 3))) == 128


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
    movie = bad_movies / name
    probe = probe_movie(movie)
    out = tmp_path / "out"
    with pytest.raises(FramescapeError) as error:
        if probe["error"]:
            raise FramescapeError(probe["error"])
        extract(movie, out, fps=1, duration=probe["duration"])
    message = str(error.value)
    assert reason in message
    assert "\n" not in message and "Traceback" not in message
    # Nothing that looks finished is left behind.
    assert not (out / "frames.npy").exists() and not (out / "frames").exists()
    assert not list(out.glob(".*")) if out.exists() else True


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
    assert daylight[172] > 0.6 > 0.4 > daylight[355]  # 16 h against 8 h of day
    ground = {day: day_frame(day, rng)[-5].mean(axis=0) for day in (100, 290)}
    assert ground[100][1] > ground[100][0]  # green spring
    assert ground[290][0] > ground[290][1]  # brown autumn


def test_animated_gif_is_a_movie(tmp_path):
    gif = make_movie(tmp_path / "anim.gif", seconds=2, rate=10, extra=())
    probe = probe_movie(gif)
    assert probe["codec"] == "gif" and probe["duration"] == 2.0
    count, frames, _ = extract(gif, tmp_path / "out", fps=5)
    assert count == 10 and frames.std() > 10
