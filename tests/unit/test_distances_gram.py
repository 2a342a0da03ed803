"""hsl's Gram matrix on several threads: the same bits as one thread adding each
pixel block's products in order, and none of its work on the libraries' own
thread pools."""

import os
import threading
import time
from pathlib import Path

import numba
import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from framescape.distances import matrices


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


@pytest.mark.parametrize("threads", [1, 2])
def test_same_bits_as_one_thread_in_block_order(monkeypatch, threads):
    """Eight pixel blocks, squares of 4 frames; the first block's features come
    last (slowed down), so that later blocks' products are ready first: they
    still wait for their own features and are added in the order of the blocks."""
    frames = np.random.default_rng(5).integers(0, 256, (23, 24, 20, 3), np.uint8)
    monkeypatch.setattr(matrices, "GRAM_TILE", 4)
    monkeypatch.setattr(matrices, "HSL_FEATURE_BYTES", 2 * 23 * 16 * 64)
    block_pixels = matrices.hsl_block_pixels(23, 24 * 20)
    assert -(-24 * 20 // block_pixels) == 8
    slow_first_block = matrices.pixel_block

    def pixel_block(frames, kept, frame_slice=slice(None), pixel_slice=slice(None)):
        if pixel_slice.start == 0:
            time.sleep(0.05)
        return slow_first_block(frames, kept, frame_slice, pixel_slice)

    monkeypatch.setattr(matrices, "pixel_block", pixel_block)
    expected = on_one_thread(sequential_gram, frames, block_pixels, 4)
    previous = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        gram = matrices.hsl_tile(frames, (0, 23), (0, 23))
    finally:
        numba.set_num_threads(previous)
    assert gram.tobytes() == expected.tobytes()


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
