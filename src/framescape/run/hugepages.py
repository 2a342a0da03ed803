"""Huge pages under OpenBLAS's buffer, where Linux gives them only on request.

OpenBLAS packs the blocks of a matrix product into a buffer of its own (32 MiB
in numpy's wheels), mapped when a thread's first product runs. Where the
kernel's transparent huge pages are set to ``madvise`` (the setting says
``[madvise]``), a mapping gets 2 MiB pages only if the program asks, and
OpenBLAS does not: its buffer then sits on 4 KiB pages, and some products ran
several times slower (docs/performance.md, "OpenBLAS's buffers on small
pages"). So a job runs one small product first, finds the mapping it
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
# already has, keeping what they hold.
MADV_HUGEPAGE = 14
MADV_COLLAPSE = 25
# A new range smaller than this is not the buffer (a pool of Python's
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


def fresh_ranges(before, after):
    """The address ranges of the mappings ``after`` that none of ``before``
    covered: where the kernel joined a new mapping to an older one, or an
    older one grew, only the new part."""
    fresh = []
    for start, stop in after:
        pieces = [(start, stop)]
        for old_start, old_stop in before:
            pieces = [
                part
                for low, high in pieces
                for part in ((low, min(high, old_start)), (max(low, old_stop), high))
                if part[0] < part[1]
            ]
        fresh.extend(pieces)
    return sorted(fresh)


def advise(start, stop):
    """Ask for huge pages in ``[start, stop)`` (page-aligned): the pages
    touched from now on come huge, and those it has are made huge where the
    kernel can (``MADV_COLLAPSE``, which keeps what they hold). Returns
    whether the first request was taken."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    if libc.madvise(start, stop - start, MADV_HUGEPAGE) != 0:
        log.info("no huge pages for the BLAS buffer: errno %d", ctypes.get_errno())
        return False
    # It fails where a 2 MiB block has no pages yet (most of the buffer, which
    # then comes huge as it is touched), and on kernels before 6.1.
    if libc.madvise(start, stop - start, MADV_COLLAPSE) != 0:
        log.debug("pages not collapsed: errno %d", ctypes.get_errno())
    return True


def huge_blas_buffers(setting=SETTING):
    """Ask for huge pages under the buffer OpenBLAS maps for this thread's
    products, where the kernel gives them only on request and the buffer is
    not mapped yet: call it before the first matrix product. OpenBLAS's own
    threads map theirs when the library loads, before this runs; threads of
    a step's own (the hsl matrix's) may map more later, not asked for.

    Never raises: only the speed of later products depends on it.

    Returns
    -------
    list of (start, stop)
        The address ranges advised (none where nothing was to do).
    """
    try:
        if not sys.platform.startswith("linux"):
            return []
        if huge_page_setting(setting) != "madvise":
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
            for start, stop in fresh_ranges(before, anonymous_mappings())
            if stop - start >= LEAST_BUFFER
        ]
        advised = [(start, stop) for start, stop in made if advise(start, stop)]
        if advised:
            log.info(
                "huge pages asked for the BLAS library's buffer (%d MiB)",
                sum(stop - start for start, stop in advised) // 2**20,
            )
        else:
            log.info("huge pages not asked: no new BLAS buffer found")
        return advised
    # A speed-up must never fail a job.
    except Exception as error:  # noqa: BLE001
        log.info("no huge pages for the BLAS buffer: %s", error)
        return []
