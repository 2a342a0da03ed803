"""maps.png draws every frame's picture at the movie's display aspect."""

import numpy as np
import pytest
from PIL import Image

from framescape.frames.extract import extract_frames
from framescape.pages import plots
from framescape.testing import make_movie


def red_box(path):
    """Width and height (pixels) of the red picture drawn in the image at ``path``."""
    image = np.asarray(Image.open(path).convert("RGB")).astype(int)
    red = (image[..., 0] > 200) & (image[..., 1] < 60) & (image[..., 2] < 60)
    rows, columns = np.nonzero(red)
    assert len(rows), f"no red picture in {path}"
    return columns.max() - columns.min() + 1, rows.max() - rows.min() + 1


def red_movie_map(tmp_path, size, extra=()):
    """A red movie of ``size`` extracted at 64×48 and its maps.png (one panel, one
    picture): the red picture's width and height in maps.png."""
    tmp_path.mkdir()
    movie = make_movie(
        tmp_path / "red.mp4",
        seconds=1,
        rate=2,
        size=size,
        source="color=c=red",
        extra=extra,
    )
    out = tmp_path / "out"
    count = extract_frames(
        movie,
        out / "frames",
        out / "frames.npy",
        out / "frames.tsv",
        fps=2,
        width=64,
        height=48,
    )
    frames = [
        {"frame": i, "time": i / 2, "file": f"frames/{i + 1:06d}.png"}
        for i in range(count)
    ]
    maps = {"mds_gray": np.full((count, 2), 0.5)}
    plots.plot_maps(out / "maps.png", frames, maps, out, "red", thumbnails=1)
    return red_box(out / "maps.png")


@pytest.fixture
def portrait_box(tmp_path):
    return red_movie_map(tmp_path / "portrait", "90x160")


@pytest.fixture
def wide_pixels_box(tmp_path):
    # 64×48 stored, pixels twice as wide as high: shown 128×48.
    return red_movie_map(tmp_path / "wide", "64x48", extra=("-vf", "setsar=2"))


def test_maps_draw_portrait_frames_upright(portrait_box):
    width, height = portrait_box
    assert abs(width - height * 90 / 160) <= 2, portrait_box


def test_maps_draw_non_square_pixels_wide(wide_pixels_box):
    width, height = wide_pixels_box
    assert abs(width - height * 128 / 48) <= 2, wide_pixels_box


def test_portrait_and_landscape_pictures_take_the_same_room(
    portrait_box, wide_pixels_box
):
    # The longer side is the same (within a pixel each way); only the shape differs.
    assert abs(max(portrait_box) - max(wide_pixels_box)) <= 2
