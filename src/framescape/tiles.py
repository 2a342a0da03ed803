"""Tiles of a long movie's distance matrices: which frames each tile job compares.

A movie of more than ``tile_frames`` frames is cut into blocks of ``tile_frames``
consecutive frames (the last one shorter); one job computes each pair of blocks
on or above the diagonal, and ``compute_distances`` puts them together. Plain
Python and a .npy header: Snakemake's own process lists the tile jobs with it.
"""

from pathlib import Path

from framescape.common import npy_shape, save_text


def write_frame_count(frames_npy, path):
    """Write the number of frames in ``frames.npy`` (from its header) to ``path``."""
    save_text(path, f"{npy_shape(frames_npy)[0]}\n")


def read_frame_count(path):
    return int(Path(path).read_text(encoding="utf-8"))


def tile_count(n_frames, tile_frames):
    """Blocks of frames along each side of the matrix (1: not tiled)."""
    return max(1, -(-n_frames // tile_frames))


def tile_range(index, n_frames, tile_frames):
    """``(start, stop)`` frame numbers of block ``index``."""
    start = index * tile_frames
    return start, min(start + tile_frames, n_frames)


def tile_pairs(count):
    """Every ``(row block, column block)`` on or above the diagonal, row by row."""
    return [(row, column) for row in range(count) for column in range(row, count)]


# Cells along each side of a self-similarity heatmap, at most.
HEATMAP_CELLS = 1000


def heatmap_cells(n_frames, cells=HEATMAP_CELLS):
    """``(frames per cell side, cells per side)`` of a movie's heatmap: square
    blocks of consecutive frames, so that no side has more than ``cells``."""
    block = max(1, -(-n_frames // cells))
    return block, -(-n_frames // block)
