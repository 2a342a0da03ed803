"""hsl's Gram matrix ``⟨Φ_a, Φ_b⟩`` of two blocks of frames, on threads of its
own: a task converts some frames of a pixel block to features
(:func:`kernels.hls_features_serial`), a task multiplies one square of a pixel
block's features (one BLAS call on one thread), and the products are added to
the float64 matrix in the order of the pixel blocks.

Why not numba's threads for the features and the BLAS library's for the
products, one after the other: both pools spin a while when their work is done,
each on the cores the other one needs next (OpenBLAS's for about 0.1 s), which
made the features take twice as long, and much longer than that on a loaded
machine. Here each task runs whole on one core; an idle thread waits without
spinning. Two pixel blocks are in flight, so that one block's products can run
beside the next block's features, and a small matrix (one square, the common
case) still keeps two cores busy."""

import collections
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
from threadpoolctl import threadpool_limits

from framescape.distances import kernels
from framescape.distances.parameters import HSL_BLOCKS_HELD

# Frames a feature task converts: tasks short enough to share out evenly.
FEATURE_FRAMES = 32


def gram_squares(n_rows, n_columns, size, upper):
    """The ``(rows, columns)`` slices of the ``size × size`` squares of a tile,
    row by row; with ``upper``, only those on and above the diagonal."""
    return [
        (slice(i, i + size), slice(j, j + size))
        for i in range(0, n_rows, size)
        for j in range(i if upper else 0, n_columns, size)
    ]


def hsl_gram(pixel_block, blocks, n_pixels, block_pixels, side, progress=None):
    """``(rows, columns) float64`` Gram matrix of the hsl features of two blocks
    of frames, summed over pixel blocks.

    Parameters
    ----------
    pixel_block : callable
        ``pixel_block(frames, pixels)``: ``(n, p, 3) uint8`` pixels of some
        frames (a slice of frame numbers) and some of the kept pixels (a slice).
    blocks : list of (start, stop)
        The rows' frames, then the columns' if they differ (one entry: the
        diagonal tile, of which only the squares on and above the diagonal are
        computed; the rest stays 0).
    n_pixels, block_pixels : int
        Kept pixels of a frame; pixels per block.
    side : int
        Frames on a side of the squares multiplied at a time (a tile starts on
        a multiple of it, so that every element comes from the same BLAS call,
        whole or in tiles).
    progress : callable, optional
        ``progress(blocks done, blocks, "pixel blocks")`` after each block.
    """
    lengths = [stop - start for start, stop in blocks]
    gram = np.zeros((lengths[0], lengths[-1]), np.float64)
    squares = gram_squares(lengths[0], lengths[-1], side, len(blocks) == 1)
    starts = range(0, n_pixels, block_pixels)
    buffers = [
        [np.empty(length * 4 * block_pixels, np.float32) for length in lengths]
        for _ in range(min(HSL_BLOCKS_HELD, len(starts)))
    ]
    in_flight = collections.deque()
    sums = [None] * len(squares)
    with (
        threadpool_limits(limits=1, user_api="blas"),
        ThreadPoolExecutor(numba.get_num_threads(), thread_name_prefix="hsl") as pool,
    ):
        for index, start in enumerate(starts):
            if len(in_flight) == len(buffers):
                wait_for_block(in_flight.popleft(), len(starts), progress)
            pixels = slice(start, min(start + block_pixels, n_pixels))
            features, converted = submit_features(
                pool, pixel_block, blocks, pixels, buffers[index % len(buffers)]
            )
            sums = [
                pool.submit(add_square, gram, features, square, converted, previous)
                for square, previous in zip(squares, sums)
            ]
            in_flight.append((index, sums))
        while in_flight:
            wait_for_block(in_flight.popleft(), len(starts), progress)
    return gram


def submit_features(pool, pixel_block, blocks, pixels, buffers):
    """Hand out the features of one pixel block, :data:`FEATURE_FRAMES` frames
    a task, into ``buffers``: the features' views, ``(frames, 4p) float32``
    each, and the tasks."""
    views, tasks = [], []
    for (first, stop), buffer in zip(blocks, buffers):
        size = (stop - first) * 4 * (pixels.stop - pixels.start)
        views.append(buffer[:size].reshape(stop - first, -1))
        for chunk in range(first, stop, FEATURE_FRAMES):
            frames = slice(chunk, min(chunk + FEATURE_FRAMES, stop))
            rows = views[-1][frames.start - first : frames.stop - first]
            tasks.append(pool.submit(convert, pixel_block, frames, pixels, rows))
    return views, tasks


def convert(pixel_block, frames, pixels, features):
    """One feature task: some frames' features of one pixel block."""
    kernels.hls_features_serial(pixel_block(frames, pixels), features)


def add_square(gram, views, square, converted, previous):
    """One product task: ``gram[square] += rows @ columns.T`` for one pixel
    block (float32 products, float64 sums), once its features are made and the
    block before has added its own (``previous``): one thread at a time adds
    to a square (numpy adds without the GIL), and the sums come in the order
    of the blocks, whichever thread finishes first, so that the same frames
    give the same bits on any number of threads, whole or in tiles."""
    for task in converted:
        task.result()
    rows, columns = square
    product = views[0][rows] @ views[-1][columns].T
    if previous is not None:
        previous.result()
    gram[rows, columns] += product


def wait_for_block(block, n_blocks, progress):
    """Wait until every square of a pixel block is summed (its buffers are then
    free again), and tell ``progress``."""
    index, sums = block
    for task in sums:
        task.result()
    if progress:
        progress(index + 1, n_blocks, "pixel blocks")
