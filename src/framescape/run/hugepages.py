"""Huge pages under OpenBLAS's buffer, where Linux gives them only on request.

OpenBLAS packs the blocks of a matrix product into a buffer of its own (32 MiB
in numpy's wheels), mapped when a thread's first product runs. Where the
kernel's transparent huge pages are set to ``madvise`` (the setting says
``[madvise]``), a mapping gets 2 MiB pages only if the program asks, and
OpenBLAS does not: its buffer then sits on 4 KiB pages, and some products ran
at about a quarter of their speed (docs/performance.md, "OpenBLAS's buffers on
small pages"). So a job runs one small product first, finds the mapping it
made and asks for huge pages there, the pages it already has included.

Only the speed changes, never a result: this module and a statement that only
calls :func:`huge_blas_buffers` are left out of the step-code digest
(:mod:`framescape.run.digest`).
"""

import ctypes
import logging
import sys
from pathlib import Path

log = logging.getLogger("framescape")

SETTING = Path("/sys/kernel/mm/transparent_hugepage/enabled")
# linux/mman.h. MADV_COLLAPSE (Linux 6.1) makes huge pages of the pages a range
# already has, keeping what they hold; on older kernels it fails and only the
# pages touched later come huge.
MADV_HUGEPAGE = 14
MADV_COLLAPSE = 25
# A new mapping smaller than this is not the buffer (a pool of Python's
# allocator, say): it is left alone.
LEAST_BUFFER = 16 * 2**20


def huge_page_setting(setting=SETTING):
    """The kernel's transparent huge pages setting (``always``, ``madvise``,
    ``never``), or None where it cannot be read."""
    try:
        words = Path(setting).read_text().split()
    except OSError:
        return None
    chosen = [word.strip("[]") for word in words if word.startswith("[")]
    return chosen[0] if chosen else None


def anonymous_mappings():
    """``[(start, stop)]``: the process's mappings backed by no file."""
    found = []
    # Bytes: a mapped file's path need not be text.
    with open("/proc/self/maps", "rb") as maps:
        for line in maps:
            fields = line.split()
            # A sixth field names a file, or [heap], [stack] and the like.
            if len(fields) == 5:
                start, stop = (int(end, 16) for end in fields[0].split(b"-"))
                found.append((start, stop))
    return found


def new_mappings(before, after):
    """The mappings of ``after`` that overlap none of ``before``: whole new
    ones. A mapping the kernel joined to an older one, or an older one that
    grew, overlaps it and is left out."""
    return [
        (start, stop)
        for start, stop in after
        if not any(start < old_stop and old_start < stop for old_start, old_stop in before)
    ]


def huge_blas_buffers(setting=SETTING):
    """Ask for huge pages under the buffer OpenBLAS maps for this thread's
    products, where the kernel gives them only on request and the buffer is
    not mapped yet: call it before the first matrix product. OpenBLAS's own
    threads map theirs when the library loads, before this runs.

    Never raises: only the speed of later products depends on it.

    Returns
    -------
    list of (start, stop)
        The mappings advised (none where nothing was to do).
    """
    try:
        if not sys.platform.startswith("linux") or huge_page_setting(setting) != "madvise":
            return []
        import numpy as np

        before = anonymous_mappings()
        # numpy hands a product of a matrix with its own transpose to syrk,
        # which packs into the buffer whatever the size; a small gemm may take
        # a path that does not (OpenBLAS's small-matrix kernels on some CPUs).
        small = np.ones((8, 8), np.float32)
        small @ small.T
        made = [
            (start, stop)
            for start, stop in new_mappings(before, anonymous_mappings())
            if stop - start >= LEAST_BUFFER
        ]
        libc = ctypes.CDLL(None, use_errno=True)
        libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        advised = []
        for start, stop in made:
            if libc.madvise(start, stop - start, MADV_HUGEPAGE) != 0:
                log.info("no huge pages for the BLAS buffer: errno %d", ctypes.get_errno())
                continue
            # Keeps the contents, as it must: the range is all new, but the
            # kernel may have joined more than the buffer to it. A range it
            # cannot make whole huge pages of (the buffer's unaligned end)
            # makes the call fail after the rest is done: not an error here.
            libc.madvise(start, stop - start, MADV_COLLAPSE)
            advised.append((start, stop))
        if advised:
            log.info(
                "huge pages asked for the BLAS library's buffer (%d MiB)",
                sum(stop - start for start, stop in advised) // 2**20,
            )
        return advised
    except (OSError, ValueError) as error:
        log.info("no huge pages for the BLAS buffer: %s", error)
        return []
