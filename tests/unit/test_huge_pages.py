"""Huge pages under the BLAS library's buffer (framescape.run.hugepages), asked
for in a process whose first matrix product has not run yet: a new
interpreter, with one BLAS thread (a worker's buffer is mapped when the
library loads, and would blur what the probe finds)."""

import json
import os
import subprocess
import sys

import pytest

from framescape.run.hugepages import SETTING, huge_blas_buffers, new_mappings

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not SETTING.exists(),
    reason="Linux's transparent huge pages",
)

# Runs in a new interpreter with a setting file: the mappings before, what was
# advised (twice), the kernel's flags and huge pages of those mappings after a
# product that fills the buffer, and whether that product is right, as JSON.
PROBE = """
import json, sys
import numpy as np
from framescape.run.hugepages import anonymous_mappings, huge_blas_buffers
before = anonymous_mappings()
advised = huge_blas_buffers(sys.argv[1])
again = huge_blas_buffers(sys.argv[1])
rows = np.random.default_rng(0).random((500, 4096), dtype=np.float32)
columns = np.random.default_rng(1).random((256, 4096), dtype=np.float32)
product = rows @ columns.T
exact = rows.astype(np.float64) @ columns.T.astype(np.float64)
mappings, current = {}, None
with open("/proc/self/smaps") as smaps:
    for line in smaps:
        head = line.split()[0]
        if "-" in head and not head.endswith(":"):
            current = tuple(int(end, 16) for end in head.split("-"))
        elif current in set(map(tuple, advised)):
            if head == "VmFlags:":
                mappings.setdefault(str(current[0]), {})["flags"] = line.split()[1:]
            elif head == "AnonHugePages:":
                mappings.setdefault(str(current[0]), {})["huge kB"] = int(line.split()[1])
print(json.dumps({
    "before": before, "advised": advised, "again": again, "mappings": mappings,
    "error": float(abs(product - exact).max() / exact.max()),
}))
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
        # Nothing mapped before the call is touched.
        assert new_mappings(found["before"], [(start, stop)]) == [(start, stop)]
        mapping = found["mappings"][str(start)]
        # "hg": the mapping asked for huge pages (MADV_HUGEPAGE), and got some.
        assert "hg" in mapping["flags"]
        assert mapping["huge kB"] >= 2048
    # Its buffer is mapped now: a second call finds nothing new.
    assert found["again"] == []
    # Products on the advised buffer are right (float32 rounding).
    assert found["error"] < 1e-5


@pytest.mark.parametrize("setting", ["[always] madvise never", "always madvise [never]"])
def test_nothing_is_asked_where_the_kernel_decides_alone(tmp_path, setting):
    found = probe(tmp_path, setting)
    assert found["advised"] == [] and found["again"] == []
    assert found["mappings"] == {}


def test_an_unreadable_setting_asks_for_nothing(tmp_path):
    assert huge_blas_buffers(tmp_path / "missing") == []


def test_new_mappings_leave_out_what_overlaps_an_older_one():
    before = [(0, 10), (20, 30)]
    after = [(0, 10), (20, 40), (5, 8), (40, 60), (60, 70)]
    # (20, 40): an older mapping that grew; (5, 8) inside one; the rest new.
    assert new_mappings(before, after) == [(40, 60), (60, 70)]
