"""The shots' pictures: the colour barcode, pixel by pixel, and the cutting
rate plot."""

import numpy as np
import pytest
from PIL import Image

from framescape.common import FramescapeError
from framescape.pages import barcode, cutting_rate
from framescape.shots.table import save_shots
from framescape.testing import make_shots

HEIGHT = 60
TICKS = np.r_[0:12, 48:60]  # the top and bottom fifths of 60 rows
DASHES = np.where((TICKS // 2) % 2 == 0, 0, 255)
MIDDLE = np.r_[12:48]


def rainbow(n):
    """``(n, 3) uint8``: a different colour a frame."""
    index = np.arange(n)
    return np.stack([index * 7 % 256, index * 13 % 256, 255 - index % 256], 1).astype(
        np.uint8
    )


@pytest.mark.parametrize("rate", [10.0, 24.0, 30000 / 1001])
def test_a_column_a_frame_for_short_movies(rate):
    # Each frame's time on its slot's left edge: frame 3 of 30 at 10 fps is
    # 0.3 s, and 0.3 / 3.0 * 30 gives 2.9999999999999996.
    colours = rainbow(30)
    times = np.arange(30) / rate
    image = barcode.barcode_image(colours, times, 30 / rate, [], height=HEIGHT)
    assert image.shape == (HEIGHT, 30, 3)
    assert (image == colours[None]).all()


def test_columns_average_their_slots_frames():
    colours = rainbow(100)
    times = np.arange(100) / 25
    columns = barcode.barcode_colours(colours, times, 4.0, width=10)
    expected = np.rint(colours.reshape(10, 10, 3).mean(axis=1)).astype(np.uint8)
    assert (columns == expected).all()


def test_a_slot_without_frames_takes_its_neighbours_colour():
    colours = np.array([[10, 0, 0], [20, 0, 0], [0, 50, 0]], np.uint8)
    # Slots of 1/3 s: frames in slots 0, 0 and 1; slot 2 shows slot 1's frame.
    columns = barcode.barcode_colours(colours, [0.0, 0.1, 0.5], 1.0)
    assert columns.tolist() == [[15, 0, 0], [0, 50, 0], [0, 50, 0]]
    # The first slots empty: the first frame's colour.
    columns = barcode.barcode_colours(colours, [0.5, 0.6, 0.9], 1.0)
    assert columns.tolist() == [[15, 0, 0], [15, 0, 0], [0, 50, 0]]


def test_bounds_at_shot_starts_and_a_light_band_over_dissolves():
    colours = rainbow(10)
    # 10 fps, 10 frames: a cut at frame 3, a dissolve over frames 5–6.
    shots = make_shots([3, (5, 7)], 10, rate=10.0)
    image = barcode.barcode_image(colours, np.arange(10) / 10, 1.0, shots)
    assert (image[MIDDLE] == colours[None]).all()  # colours kept between the ticks
    for column in (3, 7):
        assert (image[TICKS, column] == DASHES[:, None]).all()
    lightened = (colours[5:7].astype(int) + 255) // 2
    assert (image[TICKS, 5:7] == lightened[None]).all()
    untouched = [0, 1, 2, 4, 8, 9]
    assert (image[TICKS][:, untouched] == colours[untouched][None]).all()


def test_long_movie_at_native_rate_in_a_thousand_columns():
    n = 172_800  # two hours at 24 fps
    times = np.arange(n) / 24
    colours = np.zeros((n, 3), np.uint8)
    colours[n // 2 :] = 200
    shots = make_shots([n // 2], n, rate=24.0)
    image = barcode.barcode_image(colours, times, n / 24, shots)
    assert image.shape == (HEIGHT, 1000, 3)
    assert (image[MIDDLE, :500] == 0).all() and (image[MIDDLE, 500:] == 200).all()
    assert (image[TICKS, 500] == DASHES[:, None]).all()


def test_one_frame_and_no_frame():
    one = barcode.barcode_image(
        [[1, 2, 3]], [0.0], 0.04, make_shots([], 1), height=HEIGHT
    )
    assert one.shape == (HEIGHT, 1, 3) and (one == [1, 2, 3]).all()
    empty = barcode.barcode_image(np.zeros((0, 3), np.uint8), [], 0.0, [])
    assert empty.shape == (HEIGHT, 1, 3) and (empty == barcode.NO_FRAMES_GREY).all()


def test_colours_and_times_must_agree():
    with pytest.raises(FramescapeError, match=r"want \(N, 3\) and \(N,\)"):
        barcode.barcode_colours(rainbow(3), [0.0, 1.0], 2.0)


def test_barcode_step_writes_the_same_png_twice(tmp_path):
    colours, times = rainbow(50), np.arange(50) / 25
    np.save(tmp_path / "colours.npy", colours)
    np.save(tmp_path / "times.npy", times)
    shots = make_shots([20, (30, 35)], 50)
    save_shots(tmp_path / "shots.tsv", shots)
    paths = [tmp_path / "a.png", tmp_path / "b.png"]
    for path in paths:
        barcode.barcode_step(
            tmp_path / "colours.npy",
            tmp_path / "times.npy",
            tmp_path / "shots.tsv",
            path,
        )
    assert paths[0].read_bytes() == paths[1].read_bytes()
    written = np.asarray(Image.open(paths[0]))
    assert (written == barcode.barcode_image(colours, times, 2.0, shots)).all()


def test_cutting_rate_follows_the_cutting():
    # 20 minutes at 25 fps: a shot every 10 s, then every 2 s from minute 10.
    cuts = list(range(250, 15_000, 250)) + list(range(15_000, 30_000, 50))
    shots = make_shots(cuts, 30_000)
    times, rate, window = cutting_rate.cutting_rate(shots, 1200.0, points=1201)
    assert window == 60
    assert rate[times == 300][0] == 6  # 6 new shots in a minute about 5:00
    assert rate[times == 900][0] == 30
    assert rate[0] == 5  # 0:00–1:00, the first shot is no new one
    assert rate[-1] == 30


def test_cutting_rate_of_a_short_clip_uses_a_quarter_window():
    shots = make_shots([25, 50, 100], 250)  # 10 s
    _, rate, window = cutting_rate.cutting_rate(shots, 10.0, points=11)
    assert window == 2.5
    # New shots at 1, 2 and 4 s; windows [0, 2.5) at 0 and 1 s, [0.75, 3.25)
    # at 2 s, [1.75, 4.25), [2.75, 5.25), [3.75, 6.25), [4.75, 7.25) …
    assert rate.tolist()[:7] == [48.0, 48.0, 48.0, 48.0, 24.0, 24.0, 0.0]


@pytest.mark.parametrize(
    "cuts, frames, count, average, median",
    [
        # Shots of 2.4, 3.6, 5.2 (after a 0.8-s dissolve) and 8 s.
        ([60, (150, 170), 300], 500, "4 shots", "5.0", "4.4"),
        ([], 75, "1 shot", "3.0", "3.0"),
    ],
)
def test_cutting_rate_title_has_the_figures(cuts, frames, count, average, median):
    title = cutting_rate.cutting_rate_title("m", make_shots(cuts, frames))
    figures = f"average shot length {average} s · median {median} s"
    assert title == f"m\n{count} · {figures}"
    assert cutting_rate.cutting_rate_title("m", []) == "m\nno shots"


def curve_pixels(path):
    """Pixels of the curve's colour (matplotlib's tab:blue) in a PNG."""
    image = np.asarray(Image.open(path).convert("RGB")).astype(int)
    return (np.abs(image - [31, 119, 180]).sum(axis=2) < 30).sum()


def test_cutting_rate_step_draws_the_same_png_twice(tmp_path):
    save_shots(tmp_path / "shots.tsv", make_shots([60, (150, 170), 300], 750))
    paths = [tmp_path / "a.png", tmp_path / "b.png"]
    for path in paths:
        cutting_rate.plot_cutting_rate_step(tmp_path / "shots.tsv", path, "a clip")
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert curve_pixels(paths[0]) > 500
    cutting_rate.plot_cutting_rate(tmp_path / "none.png", [], 0.0, "nothing")
    assert curve_pixels(tmp_path / "none.png") == 0
