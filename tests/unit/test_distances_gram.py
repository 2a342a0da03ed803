"""hsl's Gram matrix on several threads: the same bits as one thread adding each
pixel block's products in order, and none of its work on the libraries' own
thread pools."""

import functools
import os
import threading
import time
import tracemalloc
from pathlib import Path

import numba
import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from framescape.distances import gram, matrices, parameters
from framescape.distances.resources import hsl_feature_bytes


def sequential_gram(frames, block_pixels, side):
    """The Gram matrix as one thread makes it: each pixel block's features, then
    their products a ``side × side`` square at a time, on and above the
    diagonal, added to the float64 sums in the order of the blocks."""
    n = len(frames)
    flat = frames.reshape(n, -1, 3)
    gram = np.zeros((n, n))
    for start in range(0, flat.shape[1], block_pixels):
        pixels = np.ascontiguousarray(flat[:, start : start + block_pixels])
        features = matrices.hsl_features(pixels)
        for i in range(0, n, side):
            for j in range(i, n, side):
                gram[i : i + side, j : j + side] += (
                    features[i : i + side] @ features[j : j + side].T
                )
    return gram


def on_one_thread(function, *args):
    """``function(*args)`` with one numba thread and one BLAS thread."""
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            return function(*args)
    finally:
        numba.set_num_threads(threads)


def on_threads(threads, function, *args):
    """``function(*args)`` with ``threads`` numba threads (as many as numba has,
    at most)."""
    previous = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        return function(*args)
    finally:
        numba.set_num_threads(previous)


TWO_THREADS = pytest.mark.skipif(
    numba.config.NUMBA_NUM_THREADS < 2, reason="needs two numba threads"
)


@pytest.mark.parametrize("threads", [1, 2])
def test_same_bits_as_one_thread_in_block_order(monkeypatch, threads):
    """Eight pixel blocks, squares of 4 frames (23 frames: not a multiple of
    the squares, nor of a feature task's frames): the same bits as one thread
    adding each block's products in order."""
    frames = np.random.default_rng(5).integers(0, 256, (23, 24, 20, 3), np.uint8)
    monkeypatch.setattr(matrices, "GRAM_TILE", 4)
    monkeypatch.setattr(parameters, "HSL_FEATURE_BYTES", 2 * 23 * 16 * 64)
    block_pixels = matrices.hsl_block_pixels(23, 24 * 20)
    assert -(-24 * 20 // block_pixels) == 8
    expected = on_one_thread(sequential_gram, frames, block_pixels, 4)
    tile = on_threads(threads, matrices.hsl_tile, frames, (0, 23), (0, 23))
    assert tile.tobytes() == expected.tobytes()


@TWO_THREADS
def test_a_block_adds_its_products_after_the_block_before(monkeypatch):
    """Pixel block 1's product is held back while the second thread is free to
    make block 2's: block 2 still adds its product after block 1, and block 3
    after block 2."""
    frames = np.random.default_rng(3).integers(0, 256, (12, 8, 8, 3), np.uint8)
    pixel_block = functools.partial(matrices.pixel_block, frames, None)
    blocks = []  # each pixel block's feature tasks, in the order handed out
    submit_features = gram.submit_features

    def recorded(pool, pixel_block, frame_blocks, pixels, buffers):
        views, tasks = submit_features(pool, pixel_block, frame_blocks, pixels, buffers)
        blocks.append(tasks)
        return views, tasks

    added = []
    add_square = gram.add_square

    def held_back(sums, views, square, converted, previous):
        block = next(i for i, tasks in enumerate(blocks) if tasks is converted)
        if block == 1:
            time.sleep(0.3)
        add_square(sums, views, square, converted, previous)
        added.append(block)

    monkeypatch.setattr(gram, "submit_features", recorded)
    monkeypatch.setattr(gram, "add_square", held_back)
    result = on_threads(2, gram.hsl_gram, pixel_block, [(0, 12)], 64, 16, 512)
    assert added == [0, 1, 2, 3]
    expected = on_one_thread(sequential_gram, frames, 16, 512)
    assert result.tobytes() == expected.tobytes()


@TWO_THREADS
def test_an_error_in_a_task_reaches_the_caller_and_ends_the_threads():
    """A feature task that fails (an unreadable frames.npy): the caller gets its
    error, and the matrix's threads are gone."""
    frames = np.random.default_rng(4).integers(0, 256, (40, 8, 8, 3), np.uint8)

    def pixel_block(frame_slice, pixel_slice):
        if pixel_slice.start == 16 and frame_slice.start == 32:
            raise OSError("frames.npy: Input/output error")
        return matrices.pixel_block(frames, None, frame_slice, pixel_slice)

    with pytest.raises(OSError, match="Input/output error"):
        on_threads(2, gram.hsl_gram, pixel_block, [(0, 40)], 64, 16, 512)
    assert not [t for t in threading.enumerate() if t.name.startswith("hsl")]


@pytest.mark.parametrize("shape", [(70, 60), (100, 100), (20, 30)])
def test_the_features_held_are_as_estimated(shape):
    """The bytes the hsl matrix allocates beyond its float64 sums stay within
    the estimate's features and a little more (the pixels and products of the
    tasks at work), whatever the frame's pixels are in blocks: under one block,
    between one and two (two whole blocks held), more."""
    n = 100
    frames = np.random.default_rng(6).integers(0, 256, (n, *shape, 3), np.uint8)
    matrices.hsl_tile(frames, (0, n), (0, n))  # compiled
    tracemalloc.start()
    try:
        matrices.hsl_tile(frames, (0, n), (0, n))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    estimate = hsl_feature_bytes(n, n, shape[0] * shape[1])
    assert estimate - 2 * 2**20 < peak - n * n * 8 < estimate + 2 * 2**20


def test_a_block_of_frames_not_contiguous_in_memory_copies_only_the_block():
    """Frames that are a view (every other row of pixels) are copied a block
    of frames at a time, not the whole movie for every block."""
    movie = np.zeros((60, 40, 60, 3), np.uint8)[:, ::2]
    tracemalloc.start()
    try:
        block = matrices.pixel_block(movie, None, slice(0, 2), slice(0, 100))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert block.shape == (2, 100, 3)
    assert peak < 4 * movie[0].nbytes


def thread_cpu_seconds():
    """CPU seconds (user + system) of each of this process's threads, by id."""
    seconds = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a thread that has just ended
            continue
        seconds[int(task.name)] = (int(fields[11]) + int(fields[12])) / TICKS
    return seconds


TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@pytest.mark.skipif(
    not Path("/proc/self/task").is_dir(), reason="threads' CPU times from /proc"
)
def test_the_libraries_thread_pools_stay_idle():
    """The tile's features and products run on threads of its own, a task on
    one core: numba's and the BLAS library's thread pools do none of it, so
    none of them spins on a core the others need. (numba's threads made the
    features and OpenBLAS's the products, block after block, each pool
    spinning after its turn: the features took twice as long, and on a loaded
    machine the tile 10 to 30 times its CPU time of work.)"""
    frames = np.random.default_rng(1).integers(0, 256, (300, 120, 160, 3), np.uint8)
    block_pixels = matrices.hsl_block_pixels(300, 120 * 160)
    assert -(-120 * 160 // block_pixels) > 1
    matrices.hsl_tile(frames, (0, 300), (0, 300))  # compiled, the pools started
    time.sleep(0.3)  # an idle OpenBLAS thread spins for up to about 0.1 s
    before = thread_cpu_seconds()
    gram = matrices.hsl_tile(frames, (0, 300), (0, 300))
    after = thread_cpu_seconds()
    pools = {
        thread: after[thread] - seconds
        for thread, seconds in before.items()
        if thread in after and thread != threading.get_native_id()
    }
    assert sum(pools.values()) < 0.02, pools
    expected = on_one_thread(sequential_gram, frames, block_pixels, matrices.GRAM_TILE)
    assert gram.tobytes() == expected.tobytes()
