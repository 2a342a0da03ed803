"""Huge pages under the BLAS library's buffer (framescape.run.hugepages), asked
for in a process whose first matrix product has not run yet: a new
interpreter, with one BLAS thread (a worker's buffer is mapped when the
library loads, and would blur what the probe finds)."""

import json
import mmap
import os
import platform
import subprocess
import sys

import pytest

from framescape.run.hugepages import (
    SETTING,
    advise,
    fresh_ranges,
    huge_blas_buffers,
    huge_page_setting,
)


def kernel_version():
    return tuple(int(part) for part in platform.release().split(".")[:2])


# MADV_COLLAPSE needs Linux 6.1; the kernel must give huge pages at all.
pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux")
    or huge_page_setting(SETTING) not in ("madvise", "always")
    or kernel_version() < (6, 1),
    reason="Linux 6.1 or later with transparent huge pages",
)

# Runs in a new interpreter with a setting file: the mappings before, what was
# advised (twice), and after a product the kernel's flags and huge pages of
# every new anonymous mapping of 16 MiB or more, as JSON.
PROBE = """
import json, sys
import numpy as np
from framescape.run.hugepages import anonymous_mappings, huge_blas_buffers
before = anonymous_mappings()
advised = huge_blas_buffers(sys.argv[1])
again = huge_blas_buffers(sys.argv[1])
rows = np.random.default_rng(0).random((500, 4096), dtype=np.float32)
rows @ rows.T
mappings, current = {}, None
with open("/proc/self/smaps", "rb") as smaps:
    for line in smaps:
        head = line.split()[0].decode("latin-1")
        if "-" in head and not head.endswith(":"):
            start, stop = (int(end, 16) for end in head.split("-"))
            new = stop - start >= 16 * 2**20 and not any(
                start < old_stop and old_start < stop for old_start, old_stop in before
            )
            current = str(start) if new else None
        elif current and head == "VmFlags:":
            mappings.setdefault(current, {})["flags"] = line.decode().split()[1:]
        elif current and head == "AnonHugePages:":
            mappings.setdefault(current, {})["huge kB"] = int(line.split()[1])
print(json.dumps({"before": before, "advised": advised, "again": again,
                  "mappings": mappings}))
"""


def probe(tmp_path, setting):
    path = tmp_path / "enabled"
    path.write_text(setting + "\n")
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )
    return json.loads(result.stdout)


def test_the_buffer_asks_for_huge_pages_where_the_kernel_waits_to_be_asked(tmp_path):
    found = probe(tmp_path, "always [madvise] never")
    assert found["advised"], "no new mapping of the BLAS library's buffer was found"
    for start, stop in found["advised"]:
        assert stop - start >= 16 * 2**20
        # Nothing mapped before the call is advised.
        assert not any(
            start < old_stop and old_start < stop
            for old_start, old_stop in found["before"]
        )
        mapping = found["mappings"][str(start)]
        # "hg": the mapping asked for huge pages (MADV_HUGEPAGE), and got some.
        assert "hg" in mapping["flags"]
        assert mapping["huge kB"] >= 2048
    # Its buffer is mapped now: a second call finds nothing new.
    assert found["again"] == []


@pytest.mark.parametrize("setting", ["[always] madvise never", "always madvise [never]"])
def test_nothing_is_asked_where_the_kernel_decides_alone(tmp_path, setting):
    found = probe(tmp_path, setting)
    assert found["advised"] == [] and found["again"] == []
    # The buffer was mapped all the same, and left as OpenBLAS asked.
    assert found["mappings"]
    assert not any("hg" in mapping["flags"] for mapping in found["mappings"].values())


def test_an_unreadable_setting_asks_for_nothing(tmp_path):
    assert huge_blas_buffers(tmp_path / "missing") == []


def test_advising_keeps_what_the_pages_hold():
    size = 16 * 2**20
    # Private, as OpenBLAS's buffer is (a shared mapping keeps its pages anyway).
    region = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    pattern = bytes(range(256)) * (size // 256)
    region.write(pattern)
    start = ctypes_address(region)
    assert advise(start, start + size)
    assert region[:] == pattern
    region.close()


def ctypes_address(region):
    import ctypes

    return ctypes.addressof(ctypes.c_char.from_buffer(region))


def test_fresh_ranges_leave_out_what_an_older_mapping_covered():
    before = [(0, 10), (20, 30)]
    after = [(0, 10), (20, 40), (5, 8), (40, 60), (60, 70), (0, 35)]
    # (20, 40): an older mapping that grew; (0, 35): one joined to two older.
    assert fresh_ranges(before, after) == [(10, 20), (30, 35), (30, 40), (40, 60), (60, 70)]
