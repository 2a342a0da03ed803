"""Huge pages under the BLAS library's buffer (framescape.run.pages), asked for
in a process whose first matrix product has not run yet: a new interpreter."""

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="Linux's transparent huge pages"
)

# Runs in a new interpreter: the setting file, then what was advised and the
# kernel's flags of those mappings, as JSON.
PROBE = """
import json, sys
from framescape.run.pages import huge_blas_buffers
advised = huge_blas_buffers(sys.argv[1])
again = huge_blas_buffers(sys.argv[1])
flags = {}
with open("/proc/self/smaps") as smaps:
    current = None
    for line in smaps:
        head = line.split()[0]
        if "-" in head and not head.endswith(":"):
            current = tuple(int(end, 16) for end in head.split("-"))
        elif head == "VmFlags:" and current in set(map(tuple, advised)):
            flags[str(current[0])] = line.split()[1:]
print(json.dumps({"advised": advised, "again": again, "flags": flags}))
"""


def probe(tmp_path, setting):
    path = tmp_path / "enabled"
    path.write_text(setting + "\n")
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_the_buffer_asks_for_huge_pages_where_the_kernel_waits_to_be_asked(tmp_path):
    found = probe(tmp_path, "always [madvise] never")
    assert found["advised"], "no new mapping of the BLAS library's size was found"
    for start, stop in found["advised"]:
        assert stop - start >= 16 * 2**20
        # "hg": the mapping asked for huge pages (MADV_HUGEPAGE).
        assert "hg" in found["flags"][str(start)]
    # Its buffer is mapped now: a second call finds nothing new.
    assert found["again"] == []


@pytest.mark.parametrize("setting", ["[always] madvise never", "always madvise [never]"])
def test_nothing_is_asked_where_the_kernel_decides_alone(tmp_path, setting):
    found = probe(tmp_path, setting)
    assert found["advised"] == [] and found["again"] == []


def test_an_unreadable_setting_asks_for_nothing(tmp_path):
    from framescape.run.pages import huge_blas_buffers

    assert huge_blas_buffers(tmp_path / "missing") == []
