"""Every benchmark's quick mode, as a user runs it: it exits 0 (each checks
its own results against a reference and exits with the reason when one is
wrong) and prints its figures. The figures are for reading, never
asserted here: the tests run beside each other."""

import subprocess
import sys

import pytest

from framescape.testing import REPO

SCRIPTS = sorted(
    path for path in (REPO / "benchmarks").glob("*.py") if path.name != "common.py"
)
# What each prints its figures as: a Markdown table, but for these two.
FIGURES = {
    "roofline": "(a) roofline, the best of these",
    "tiles": "tiled matrix IDENTICAL",
}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.stem)
def test_quick_mode_runs_and_prints_its_figures(script):
    result = subprocess.run(
        [sys.executable, str(script), "--quick"],
        capture_output=True,
        text=True,
        timeout=1200,
        cwd=REPO,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert FIGURES.get(script.stem, "|---") in output, output[-4000:]
