"""Scaling into [min, max] and the merged JSON's shape."""

import json
import os

import numpy as np
import pytest

from framescape.common import save_json
from framescape.merge.coordinates import merge_items, scale_coordinates


def test_scale_into_the_padded_square():
    coordinates = np.array([[-5.0, 10.0], [5.0, 30.0], [0.0, 20.0]])
    scaled = scale_coordinates(coordinates, 0.1, 0.9)
    np.testing.assert_allclose(scaled, [[0.1, 0.1], [0.9, 0.9], [0.5, 0.5]])


def test_no_spread_goes_to_the_middle():
    scaled = scale_coordinates(np.array([[2.0, 1.0], [2.0, 3.0]]), 0.0, 1.0)
    np.testing.assert_allclose(scaled, [[0.5, 0.0], [0.5, 1.0]])
    assert np.isfinite(scale_coordinates(np.zeros((1, 2)))).all()


def test_non_finite_coordinates_are_refused():
    with pytest.raises(ValueError):
        scale_coordinates(np.array([[np.nan, 0.0], [1.0, 1.0]]))


def test_merge_items_in_frame_order():
    frames = [
        {"frame": 0, "time": 0.0, "file": "frames/000001.png"},
        {"frame": 1, "time": 0.5, "file": "frames/000002.png"},
    ]
    scaled = {
        "mds_gray": np.array([[0.1, 0.2], [0.3, 0.4]]),
        "umap_hsl": np.array([[0.5, 0.6], [0.7, 0.8]]),
    }
    items = merge_items("my.movie", frames, scaled)
    assert items == [
        {
            "src": "my.movie/frames/000001.png",
            "frame": 0,
            "time": 0.0,
            "mds_gray": [0.1, 0.2],
            "umap_hsl": [0.5, 0.6],
        },
        {
            "src": "my.movie/frames/000002.png",
            "frame": 1,
            "time": 0.5,
            "mds_gray": [0.3, 0.4],
            "umap_hsl": [0.7, 0.8],
        },
    ]
    with pytest.raises(ValueError, match="3 points for 2 frames"):
        merge_items("m", frames, {"mds_gray": np.zeros((3, 2))})


def test_json_writes_are_atomic_and_refuse_nan(tmp_path):
    path = tmp_path / "movie.json"
    save_json(path, [{"x": [0.1, 0.2]}])
    with pytest.raises(ValueError):
        save_json(path, [{"x": [float("nan"), 0.2]}])
    assert json.loads(path.read_text()) == [{"x": [0.1, 0.2]}]
    assert [p.name for p in tmp_path.iterdir()] == ["movie.json"]


def test_atomic_writes_get_the_usual_file_mode(tmp_path):
    previous = os.umask(0o022)
    try:
        save_json(tmp_path / "movie.json", [])
    finally:
        os.umask(previous)
    assert (tmp_path / "movie.json").stat().st_mode & 0o777 == 0o644
