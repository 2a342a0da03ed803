"""Huge pages under OpenBLAS's buffer, where Linux gives them only on request.

OpenBLAS packs the blocks of a matrix product into a buffer of its own (32 MiB
in numpy's wheels), mapped when the process's first product runs. Where the
kernel's transparent huge pages are set to ``madvise`` (the setting says
``[madvise]``), a mapping gets 2 MiB pages only if the program asks, and
OpenBLAS does not: its buffer then sits on 4 KiB pages, and some products run
at a third of their speed. On a 2-core AMD EPYC without AVX-512, 500 × 16,384
float32 numbers times 256 × 16,384 (landmark MDS's hsl products) ran at 11.6
GFLOP/s so, at 43.1 with huge pages (docs/performance.md, "OpenBLAS's buffers
on small pages"). So a job runs one small product first, finds the mappings
it made, and asks for huge pages there.

Only the speed changes, never a result: this module and a statement that only
calls it are left out of the step-code digest (:mod:`framescape.run.digest`).
"""

import ctypes
import logging
import sys
from pathlib import Path

log = logging.getLogger("framescape")

SETTING = Path("/sys/kernel/mm/transparent_hugepage/enabled")
# linux/mman.h
MADV_DONTNEED = 4
MADV_HUGEPAGE = 14
# New mappings smaller than this are not the buffer: thread stacks (8 MiB)
# that a first product may start.
LEAST_BUFFER = 16 * 2**20


def anonymous_mappings():
    """``{(start, stop)}``: the process's mappings backed by no file."""
    found = set()
    with open("/proc/self/maps", encoding="ascii") as maps:
        for line in maps:
            fields = line.split()
            # A sixth field names a file, or [heap], [stack] and the like.
            if len(fields) == 5:
                start, stop = (int(end, 16) for end in fields[0].split("-"))
                found.add((start, stop))
    return found


def asks_for_huge_pages(setting=SETTING):
    """Whether the kernel gives huge pages only to mappings that ask."""
    try:
        return "[madvise]" in Path(setting).read_text()
    except OSError:
        return False


def huge_blas_buffers(setting=SETTING):
    """Ask for huge pages under the buffer OpenBLAS maps for this thread's
    products, if the kernel gives them only on request and the buffer is not
    mapped yet. Call it before the first matrix product: the pages the small
    product below touches are given back (the buffer holds nothing between
    products) and come again as huge ones.

    Returns
    -------
    list of (start, stop)
        The mappings advised (none where nothing was to do).
    """
    if not sys.platform.startswith("linux") or not asks_for_huge_pages(setting):
        return []
    import numpy as np

    before = anonymous_mappings()
    # Any float32 product goes through the BLAS library, which maps its buffer.
    small = np.ones((8, 8), np.float32)
    small @ small.T
    made = sorted(
        (start, stop)
        for start, stop in anonymous_mappings() - before
        if stop - start >= LEAST_BUFFER
    )
    libc = ctypes.CDLL(None, use_errno=True)
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    advised = []
    for start, stop in made:
        if libc.madvise(start, stop - start, MADV_HUGEPAGE) == 0:
            libc.madvise(start, stop - start, MADV_DONTNEED)
            advised.append((start, stop))
    if advised:
        log.debug(
            "huge pages asked for %d MiB of the BLAS library's buffers",
            sum(stop - start for start, stop in advised) // 2**20,
        )
    return advised
