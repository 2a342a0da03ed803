"""The workflow's neighbour-graph jobs (framescape.graph) against the same
calls in one process, and the heatmap and distances they rest on."""

import numpy as np
import pytest

from framescape.distances import matrices
from framescape.distances import nearest as distances_nearest
from framescape.frames.decode import MovieDecoder
from framescape.graph import candidates
from framescape.graph import jobs as graph_jobs
from framescape.graph import reduce as graph_reduce
from framescape.graph import second_pass as graph_second_pass
from framescape.pages.plots import block_mean
from framescape.testing import graph as one_process_graph
from framescape.testing import run_with_threads


@pytest.mark.parametrize("metric", ["gray", "hsl"])
def test_jobs_give_the_one_process_graph(bikes_frames, tmp_path, monkeypatch, metric):
    """Candidates (24 kept, at least 8 re-ranked: the sample chooses), re-ranks
    in groups of at most 5 frames cut into jobs of 16 or of 8 frames, and the
    merge: each frame re-ranked once, the same bytes both ways, the graph and
    the heatmap of :func:`one_process_graph.candidate_graph`; gray's is the dense
    ranking (its second pass ran: few candidates)."""
    for module in (graph_jobs, one_process_graph):
        monkeypatch.setattr(module, "candidate_count", lambda *_: 8)
        monkeypatch.setattr(module, "candidate_limit", lambda *_: 24)
    monkeypatch.setattr(graph_jobs, "RERANK_ROWS", 5)
    monkeypatch.setattr(graph_second_pass, "SECOND_PASS_MAX_SHARE", 1.0)  # the jobs' share
    frames = np.concatenate([bikes_frames[:28], bikes_frames[:12]])
    np.save(tmp_path / "frames.npy", frames)
    frames_npy = str(tmp_path / "frames.npy")
    k = 6
    runs = [
        one_process_graph.run_jobs(frames_npy, tmp_path / str(size), metric, k, size)
        for size in (16, 8)
    ]
    for _, _, rows in runs:
        assert len(rows) in (3, 5) and all(len(part) for part in rows)
        assert sorted(np.concatenate(rows).tolist()) == list(range(40))
    (output, heatmap, _), (other, _, _) = runs
    assert output.read_bytes() == other.read_bytes()
    indices, found, report = one_process_graph.candidate_graph(
        frames, metric, k, rerank_rows=5, cell_frames=1, max_share=1
    )
    chosen = report["sample"]["count"]
    assert 8 <= chosen <= 24 and report["sample"]["kept"] == 24
    assert np.load(output.parent / "candidates.npz")["frames"].shape == (40, chosen)
    with np.load(output) as stored:
        assert np.array_equal(stored["indices"], indices)
        assert np.array_equal(stored["distances"], found)
    assert np.array_equal(np.load(heatmap), report["heatmap"])
    if metric == "gray":
        matrix = matrices.compute_distances(frames, metric)
        assert np.array_equal(indices, distances_nearest.nearest_frames(matrix, k))
        assert report["missing"] > 0 and report["inexact"] == 0


def test_merge_refuses_a_frame_twice(bikes_frames, tmp_path):
    """Parts that hold a frame twice (or miss one) are refused."""
    np.save(tmp_path / "frames.npy", bikes_frames[:10])
    frames_npy = str(tmp_path / "frames.npy")
    output, _, _ = one_process_graph.run_jobs(frames_npy, tmp_path / "run", "hsl", 3, 512)
    part = tmp_path / "run" / "rerank_0.npz"
    with np.load(part) as stored:
        twice = {name: np.concatenate([stored[name]] * 2) for name in stored.files}
    np.savez(part, **twice)
    with pytest.raises(ValueError, match="each of the 10 frames once"):
        graph_jobs.graph_step(
            frames_npy, None, None, [part], output, "bikes", "hsl", 3, None, 2
        )


@pytest.mark.parametrize("metric", ["gray", "hsl"])
@pytest.mark.parametrize(("tile_frames", "cells"), [(8, 7), (16, 5), (40, 40)])
def test_heatmap_is_the_reduced_matrix_averaged(
    bikes_frames, metric, tile_frames, cells
):
    """Cells that straddle tiles (5 frames a cell in tiles of 8), cells of one
    frame: the block averages of the matrix of reduced distances."""
    reduced = graph_reduce.reduced_descriptors(bikes_frames, metric)
    whole = (0, len(bikes_frames))
    matrix = candidates.reduced_tile(reduced, metric, whole, whole)
    np.fill_diagonal(matrix, 0)
    expected, block = block_mean(matrix, cells)
    _, heatmap = candidates.candidate_pass(reduced, metric, 3, tile_frames, block)
    assert heatmap.heatmap().shape == expected.shape == (-(-40 // block),) * 2
    np.testing.assert_allclose(heatmap.heatmap(), expected, rtol=1e-6, atol=1e-6)


def test_tiny_movies_and_no_neighbours(bikes_frames):
    frames = np.zeros((1, 4, 4, 3), np.uint8)
    indices, found, report = one_process_graph.candidate_graph(
        frames, "gray", 5, cell_frames=1
    )
    assert indices.shape == (1, 0) and found.shape == (1, 0)
    assert report["heatmap"].tolist() == [[0.0]]
    for metric in ("gray", "hsl"):
        indices, found, report = one_process_graph.candidate_graph(
            bikes_frames[:5], metric, 0, cell_frames=1
        )
        assert indices.shape == found.shape == (5, 0)
        assert report["heatmap"].shape == (5, 5) and report["heatmap"][0, 1] > 0


@pytest.mark.parametrize("metric", ["gray", "hsl"])
def test_distances_to_a_few_frames_are_elements_of_the_matrix(
    bikes_frames, metric, tmp_path
):
    """To every frame (blocks of 16), then to some frames in any order, the
    chosen ones among them."""
    mask = np.ones(bikes_frames.shape[1:3], bool)
    mask[:12, :40] = False
    matrix = matrices.compute_distances(bikes_frames, metric, mask)
    chosen = np.array([19, 0, 39, 7])
    np.save(tmp_path / "frames.npy", bikes_frames)
    memmap = np.load(tmp_path / "frames.npy", mmap_mode="r")
    others = np.array([39, 3, 4, 5, 0, 22])
    for columns, expected in (
        (None, matrix[chosen]),
        (others, matrix[chosen][:, others]),
    ):
        calls = []
        rows = distances_nearest.distances_to(
            memmap,
            metric,
            chosen,
            mask,
            column_frames=16,
            columns=columns,
            progress=lambda *call, calls=calls: calls.append(call),
        )
        count = len(expected[0])
        assert calls[-1] == (count, count, "frames") and len(calls) == -(-count // 16)
        assert rows.dtype == np.float32 and rows.shape == expected.shape
        if metric == "gray":
            assert np.array_equal(rows, expected)
        else:
            np.testing.assert_allclose(rows, expected, atol=2e-6)


RUN_JOBS = """
import sys
from pathlib import Path

from framescape.testing.graph import run_jobs

frames_npy, folder, metric, threads = sys.argv[1:]
run_jobs(frames_npy, Path(folder), metric, 10, 64, int(threads))
"""


@pytest.mark.parametrize("metric", ["gray", "hsl"])
def test_the_jobs_write_the_same_bits_on_one_thread_and_two(
    bikes, tmp_path, metric
):
    """bikes.mp4 at 12.5 fps, 40×30 (125 frames, two re-rank jobs of 64): the
    graph's jobs, each run in a process whose libraries get one thread and then
    two, write the same bytes. (hsl's products in a BLAS library may be summed
    in another order on two threads: OpenBLAS's Haswell kernel does.)"""
    frames = np.stack(list(MovieDecoder(bikes, 12.5, 40, 30)))
    np.save(tmp_path / "frames.npy", frames)
    written = {}
    for threads in (1, 2):
        folder = tmp_path / str(threads)
        run_with_threads(
            RUN_JOBS,
            tmp_path / "frames.npy",
            folder,
            metric,
            threads,
            threads=threads,
        )
        written[threads] = {
            file.name: file.read_bytes() for file in sorted(folder.iterdir())
        }
    assert set(written[1]) == set(written[2]) == {
        "candidates.npz", "reduced.npz", "heatmap.npy", "graph.npz",
        "rerank_0.npz", "rerank_1.npz",
    }
    for name in written[1]:
        assert written[1][name] == written[2][name], name
