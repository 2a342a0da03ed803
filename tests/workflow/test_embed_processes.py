"""Embedding as the workflow's jobs do it: once, in a fresh process, with the
threads Snakemake gives the job."""

import os
import subprocess
import sys

import numpy as np
from scipy.spatial.distance import pdist, squareform

from framescape.testing import THREAD_VARIABLES

METHODS = ["mds", "tsne", "umap"]
# Fast settings of each method (the maps need not be good, only the same).
FAST = {
    "tsne": {"max_iter": 250},
    "umap": {"n_epochs": 50, "n_neighbors": 5},
    "mds": {},
}

EMBED_IN_A_FRESH_PROCESS = """
import sys, numpy as np
from framescape.embed.methods import embed
distances, threads, fast = np.load(sys.argv[1]), int(sys.argv[2]), eval(sys.argv[3])
for method, options in fast.items():
    coordinates = embed(distances, method, 42, threads, **options)
    print(method, coordinates.tobytes().hex())
"""


def test_same_bits_whatever_the_thread_count(tmp_path):
    """Each job embeds once in a fresh process with the threads Snakemake gives it
    (it also sets OMP_NUM_THREADS, OPENBLAS_NUM_THREADS… to that number): the
    coordinates of every method must not depend on it, and two processes given
    the same input give the same bits (the run is deterministic)."""
    distances = tmp_path / "d.npy"
    points = np.random.default_rng(3).normal(size=(100, 5))
    np.save(distances, squareform(pdist(points)).astype(np.float32))
    # Both processes at once: most of each is the start (imports, numba's cache).
    processes = {
        threads: subprocess.Popen(
            [
                sys.executable,
                "-c",
                EMBED_IN_A_FRESH_PROCESS,
                str(distances),
                str(threads),
                repr(FAST),
            ],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, **dict.fromkeys(THREAD_VARIABLES, str(threads))},
        )
        for threads in (1, 2)
    }
    runs = {}
    for threads, process in processes.items():
        output, _ = process.communicate(timeout=600)
        assert process.returncode == 0, threads
        runs[threads] = dict(line.split() for line in output.splitlines())
    assert sorted(runs[1]) == sorted(METHODS)
    for method in METHODS:
        assert len(runs[1][method]) == 100 * 2 * 8 * 2, method
        assert runs[1][method] == runs[2][method], method
