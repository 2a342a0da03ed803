"""The neighbour graph against ranking the rows of the whole distance matrix."""

import numpy as np
import pytest

from conftest import demo_movie
from framescape import distances
from framescape.frames import MovieDecoder
from framescape.graph import distances_to, neighbour_graph
from framescape.plots import block_mean


def dense_neighbours(frames, metric, k, mask=None):
    matrix = distances.compute_distances(frames, metric, mask)
    nearest = distances.nearest_frames(matrix, k)
    return nearest, np.take_along_axis(matrix, nearest.astype(np.intp), axis=1)


@pytest.mark.parametrize("metric", ["gray", "hsl"])
@pytest.mark.parametrize("tile_frames", [8, 16, 40])
def test_graph_equals_the_dense_ranking(bikes_frames, monkeypatch, metric, tile_frames):
    """Real frames, duplicated so that exact ties abound, in tiles of several
    sizes (a short last tile, one tile): the same neighbours in the same order,
    the same distances, as the whole matrix gives."""
    monkeypatch.setattr(distances, "GRAM_TILE", 8)
    frames = np.concatenate([bikes_frames[:20], bikes_frames[:12]])
    mask = np.ones(frames.shape[1:3], bool)
    mask[5:20, 10:30] = False
    for k in (1, 6, 40):
        expected, expected_distances = dense_neighbours(frames, metric, k, mask)
        indices, found, _ = neighbour_graph(frames, metric, k, mask, tile_frames)
        assert indices.dtype == np.int32 and found.dtype == np.float32
        assert np.array_equal(indices, expected), (k, tile_frames)
        assert np.array_equal(found, expected_distances)
    # Frame 20 is frame 0 again: each is the other's nearest, at distance 0.
    indices, found, _ = neighbour_graph(frames, metric, 1, mask, tile_frames)
    assert indices[0, 0] == 20 and indices[20, 0] == 0 and found[0, 0] == 0


def test_graph_of_the_demo_in_tiles(monkeypatch):
    """365 frames of real footage at 160×120 in tiles of 128 frames."""
    monkeypatch.setattr(distances, "GRAM_TILE", 128)
    frames = np.stack(list(MovieDecoder(demo_movie(), 1, 160, 120)))
    calls = []
    for metric in ("gray", "hsl"):
        expected, expected_distances = dense_neighbours(frames, metric, 30)
        indices, found, _ = neighbour_graph(
            frames, metric, 30, tile_frames=128, progress=lambda *a: calls.append(a)
        )
        assert np.array_equal(indices, expected)
        assert np.array_equal(found, expected_distances)
    assert calls[-1] == (6, 6, "tiles")


@pytest.mark.parametrize("metric", ["gray", "hsl"])
@pytest.mark.parametrize(("tile_frames", "cells"), [(8, 7), (16, 5), (40, 40)])
def test_heatmap_from_tiles_is_the_matrix_averaged(
    bikes_frames, monkeypatch, metric, tile_frames, cells
):
    """Cells that straddle tiles (5 frames a cell in tiles of 8), cells of
    one frame: the block averages of the whole matrix."""
    monkeypatch.setattr(distances, "GRAM_TILE", 8)
    matrix = distances.compute_distances(bikes_frames, metric)
    expected, block = block_mean(matrix, cells)
    *_, heatmap = neighbour_graph(
        bikes_frames, metric, 3, None, tile_frames, cells=cells
    )
    assert heatmap.shape == expected.shape == (-(-40 // block),) * 2
    np.testing.assert_allclose(heatmap, expected, rtol=1e-6, atol=1e-6)


def test_tiny_movies():
    frames = np.zeros((1, 4, 4, 3), np.uint8)
    indices, found, heatmap = neighbour_graph(frames, "gray", 5)
    assert indices.shape == (1, 0) and found.shape == (1, 0)
    assert heatmap.tolist() == [[0.0]]


@pytest.mark.parametrize("metric", ["gray", "hsl"])
def test_distances_to_a_few_frames_are_rows_of_the_matrix(
    bikes_frames, metric, tmp_path
):
    mask = np.ones(bikes_frames.shape[1:3], bool)
    mask[:12, :40] = False
    matrix = distances.compute_distances(bikes_frames, metric, mask)
    chosen = np.array([0, 7, 19, 39])
    np.save(tmp_path / "frames.npy", bikes_frames)
    memmap = np.load(tmp_path / "frames.npy", mmap_mode="r")
    rows = distances_to(memmap, metric, chosen, mask, column_frames=16)
    assert rows.dtype == np.float32 and rows.shape == (4, 40)
    if metric == "gray":
        assert np.array_equal(rows, matrix[chosen])
    else:
        np.testing.assert_allclose(rows, matrix[chosen], atol=2e-6)
