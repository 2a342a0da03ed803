"""The distance rules' steps: ``compute_distance_tile`` (one tile's raw sums),
``compute_distances`` (the matrix, in one go or from its tiles) and
``nearest_frames`` (each frame's nearest, for the viewer), from a movie's
``frames.npy`` and its mask."""


import functools
import time
from pathlib import Path

import numba
import numpy as np

from framescape.common import (
    FramescapeError,
    Progress,
    log,
    save_npy,
)
from framescape.distances.matrices import TILES, assemble, compute_distances, pixel_mask
from framescape.distances.nearest import nearest_frames
from framescape.distances.tiles import tile_range


def load_movie_frames(frames_npy, mask_rectangles, movie, threads):
    """A movie's frames (memmapped) and its pixel mask (``None``: all pixels);
    numba gets ``threads`` threads."""
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    frames = np.load(frames_npy, mmap_mode="r")
    if not mask_rectangles:
        return frames, None
    try:
        mask = pixel_mask(frames.shape[1:3], mask_rectangles)
    except FramescapeError as error:
        raise FramescapeError(f"movie_overrides of {movie}: {error}") from None
    log.info("mask keeps %d of %d pixels", mask.sum(), mask.size)
    return frames, mask


def tile_step(
    frames_npy, output, movie, metric, row, column, mask, tile_frames, threads
):
    """Rule ``compute_distance_tile``: the raw tile of blocks ``row`` × ``column``."""
    frames, mask = load_movie_frames(frames_npy, mask, movie, threads)
    n = len(frames)
    rows = tile_range(int(row), n, tile_frames)
    columns = tile_range(int(column), n, tile_frames)
    started = time.monotonic()
    progress = Progress(f"{metric} tile {row}_{column} of {movie}")
    tile = TILES[metric](frames, rows, columns, mask, progress)
    log_tile(f"{metric} tile", rows, columns, n, started)
    save_npy(output, tile)


def log_tile(what, rows, columns, n, started):
    """Log that a tile job's work (``what``) on two blocks of frames is done,
    and how long it took since ``started`` (``time.monotonic()``)."""
    log.info(
        "%s of frames %d-%d x %d-%d (of %d) in %.2f s",
        what,
        rows[0],
        rows[1] - 1,
        columns[0],
        columns[1] - 1,
        n,
        time.monotonic() - started,
    )


def tile_index(path):
    """``(row, column)`` of a tile file ``<metric>_<row>_<column>.npy``."""
    row, column = Path(path).stem.split("_")[-2:]
    return int(row), int(column)


def distances_step(frames_npy, tiles, output, movie, metric, mask, threads):
    """Rule ``compute_distances``: the movie's matrix, in one go or from ``tiles``."""
    frames, mask = load_movie_frames(frames_npy, mask, movie, threads)
    started = time.monotonic()
    if tiles:
        n = len(frames)
        pixels = int(mask.sum()) if mask is not None else frames[0, ..., 0].size
        indices = {tile_index(path): path for path in tiles}
        # Not a parameter (changing it would rerun every movie): the first
        # tile's side, which no other tile exceeds.
        tile_frames = np.load(indices[0, 0], mmap_mode="r").shape[0]
        loaders = {
            (tile_range(row, n, tile_frames), tile_range(column, n, tile_frames)): (
                functools.partial(np.load, path, mmap_mode="r")
            )
            for (row, column), path in indices.items()
        }
        log.info("assembling %d tiles of up to %d frames", len(loaders), tile_frames)
        distances = assemble(metric, n, pixels, loaders)
    else:
        progress = Progress(f"{metric} distances of {movie}")
        distances = compute_distances(frames, metric, mask, progress)
    log.info(
        "%s distances of %d frames in %.2f s (max %.4f)",
        metric,
        len(frames),
        time.monotonic() - started,
        float(distances.max()) if distances.size else 0.0,
    )
    save_npy(output, distances)


def nearest_step(source, output, k):
    """Rule ``nearest_frames``: each frame's ``k`` nearest frames (the viewer's),
    from the distance matrix (``.npy``) or the first ``k`` of the neighbour
    graph (``.npz``: the same frames in the same order)."""
    if str(source).endswith(".npz"):
        with np.load(source) as graph:
            nearest = np.ascontiguousarray(graph["indices"][:, :k])
    else:
        nearest = nearest_frames(np.load(source, mmap_mode="r"), k)
    save_npy(output, nearest)
    log.info("%d frames, %d nearest each", *nearest.shape)
