"""The memory estimates against the peaks of the steps they estimate, each
run as its job runs it, in a fresh process, on inputs of 2,000 frames."""

import subprocess
import sys

import numpy as np
from scipy.spatial.distance import cdist

from framescape.common import MB
from framescape.distances.resources import step_memory

# Runs one step as its job does, in a fresh process, and prints that process's
# peak resident memory (the kernel's high-water mark, in kB).
PEAK_OF_STEP = """
import sys
from framescape.distances.jobs import distances_step
from framescape.embed.jobs import embed_step

step, folder = sys.argv[1], sys.argv[2]
if step.startswith("distances_"):
    metric = step.split("_")[1]
    distances_step(f"{folder}/frames.npy", [], f"{folder}/out.npy", "m", metric, None, 2)
else:
    options = {"algorithm": "smacof", "init": "classical_mds", "n_init": 1,
               "max_iter": 300, "eps": 1e-6}
    embed_step({"distances": f"{folder}/distances.npy"}, f"{folder}/out.npy", "mds",
               "gray", options, 42, 2, None, "m")
with open("/proc/self/status") as status:
    print(next(line.split()[1] for line in status if line.startswith("VmHWM")))
"""


def measured_peak(step, folder):
    """Peak resident bytes of ``step`` run on the inputs in ``folder``."""
    done = subprocess.run(
        [sys.executable, "-c", PEAK_OF_STEP, step, str(folder)],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return int(done.stdout.split()[-1]) * 1024


def test_gray_estimate_holds_its_measured_peak(tmp_path):
    """2,000 frames of 320×240 (the job reads them memmapped): the estimate is
    at least the peak and at most 1.6× it."""
    n = 2000
    rng = np.random.default_rng(0)
    frames = np.lib.format.open_memmap(
        tmp_path / "frames.npy", mode="w+", dtype=np.uint8, shape=(n, 240, 320, 3)
    )
    for start in range(0, n, 250):
        frames[start : start + 250] = rng.integers(0, 256, (250, 240, 320, 3), np.uint8)
    frames.flush()
    peak = measured_peak("distances_gray", tmp_path)
    estimate = step_memory("distances_gray", n, 320, 240)
    assert peak <= estimate <= 1.6 * peak, (peak / MB, estimate / MB)


def test_mds_estimate_holds_its_measured_peak(tmp_path):
    """The distances of 2,000 points along a helix (SMACOF converges as on a
    movie's path)."""
    n = 2000
    rng = np.random.default_rng(0)
    turn = np.linspace(0, 6, n)
    points = np.c_[np.cos(turn), np.sin(turn), turn / 3] + rng.normal(0, 0.05, (n, 3))
    np.save(tmp_path / "distances.npy", cdist(points, points).astype(np.float32))
    peak = measured_peak("embed_mds", tmp_path)
    estimate = step_memory("embed_mds", n, 320, 240)
    assert peak <= estimate <= 1.6 * peak, (peak / MB, estimate / MB)
