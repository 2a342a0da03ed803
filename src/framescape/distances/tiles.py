"""Tiles of a long movie's distance matrices: which frames each tile job compares,
and the heatmap's cells.

A movie of more than ``tile_frames`` frames is cut into blocks of ``tile_frames``
consecutive frames (the last one shorter); one job computes each pair of blocks
on or above the diagonal, and ``compute_distances`` puts them together. A
heatmap averages the distances over square cells of frames, added up tile by
tile (:class:`CellSums`), so a long movie's heatmap needs no matrix. Plain Python and
numpy: Snakemake's own process lists the tile jobs with it."""



import numpy as np


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


def cell_edges(frames, cell_frames):
    """Where heatmap cells start inside a block ``(start, stop)`` of frames,
    counted from its start (for ``np.add.reduceat``)."""
    start, stop = frames
    first = -(-start // cell_frames) * cell_frames
    return np.union1d([start], np.arange(first, stop, cell_frames)) - start


def cell_sums(tile, rows, columns, cell_frames):
    """``(cells, cells) float64`` sums of a tile of distances between blocks
    ``rows`` and ``columns`` over the heatmap's cells it covers."""
    return np.add.reduceat(
        np.add.reduceat(tile, cell_edges(rows, cell_frames), axis=0, dtype=np.float64),
        cell_edges(columns, cell_frames),
        axis=1,
    )


class CellSums:
    """A heatmap's block averages added up tile by tile, without the matrix.

    Parameters
    ----------
    n : int
        Frames of the movie.
    cell_frames : int
        Frames per cell side (:func:`heatmap_cells`).
    """

    def __init__(self, n, cell_frames):
        self.cell_frames = cell_frames
        cells = -(-n // cell_frames)
        self.sums = np.zeros((cells, cells))
        sizes = np.diff(np.append(np.arange(0, n, cell_frames), n))
        self.pairs = np.outer(sizes, sizes).astype(np.float64)

    def add(self, tile, rows, columns):
        """Add a tile of distances between blocks ``rows`` and ``columns``
        (on the diagonal the whole square, both triangles; off it, its mirror
        image below the diagonal is added too)."""
        sums = cell_sums(tile, rows, columns, self.cell_frames)
        top, left = rows[0] // self.cell_frames, columns[0] // self.cell_frames
        self.sums[top : top + sums.shape[0], left : left + sums.shape[1]] += sums
        if rows != columns:
            self.sums[left : left + sums.shape[1], top : top + sums.shape[0]] += sums.T

    def heatmap(self):
        """``(cells, cells) float32``: the mean distance of each cell's pairs."""
        return (self.sums / self.pairs).astype(np.float32)
