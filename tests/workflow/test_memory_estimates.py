"""The memory estimates against the peaks of the steps they estimate, each
run as its job runs it, in a fresh process: the matrix and the layout on inputs
of 2,000 frames, the folder map's per-movie and joining steps on inputs long
enough that a job holding a whole movie or folder would outgrow its estimate,
the maps' plot, which draws every frame, on 20,000, and the viewer's nearest
frames, which read the whole matrix, on 8,000."""

import json
import subprocess
import sys

import numpy as np
from scipy.spatial.distance import cdist

from framescape.collection.resources import frames_memory, join_memory
from framescape.common import MB, npy_shape, save_tsv
from framescape.distances.resources import nearest_memory, step_memory
from framescape.frames.extract import write_frames_tsv
from framescape.pages.resources import plot_maps_memory
from framescape.registry import METHODS

# Runs one step as its job does, in a fresh process, and prints that process's
# peak resident memory (the kernel's high-water mark, in kB).
PEAK_OF_STEP = """
import json
import sys

step, folder = sys.argv[1], sys.argv[2]
if step.startswith("collection_"):
    # What Snakemake's script preamble imports: the fixed part of these small
    # jobs' estimates counts it.
    import snakemake.script
    from framescape.collection.frames import collection_frames_step
    from framescape.collection.join import join_step

    arguments = json.loads(sys.argv[3])
    if step == "collection_frames":
        collection_frames_step(**arguments)
    else:
        join_step(**arguments)
elif step == "nearest_frames":
    import snakemake.script
    from framescape.distances.jobs import nearest_step

    nearest_step(f"{folder}/matrix.npy", f"{folder}/nearest.npy", 30)
elif step == "plot_maps":
    import snakemake.script
    from framescape.pages.plots import plot_maps_step

    plot_maps_step(**json.loads(sys.argv[3]))
else:
    from framescape.distances.jobs import distances_step
    from framescape.embed.jobs import embed_step

    if step.startswith("distances_"):
        metric = step.split("_")[1]
        distances_step(f"{folder}/frames.npy", [], f"{folder}/out.npy", "m", metric,
                       None, 2)
    else:
        options = {"algorithm": "smacof", "init": "classical_mds", "n_init": 1,
                   "max_iter": 300, "eps": 1e-6}
        embed_step({"distances": f"{folder}/distances.npy"}, f"{folder}/out.npy",
                   "mds", "gray", options, 42, 2, None, "m")
with open("/proc/self/status") as status:
    print(next(line.split()[1] for line in status if line.startswith("VmHWM")))
"""


def measured_peak(step, folder, **arguments):
    """Peak resident bytes of ``step`` run on the inputs in ``folder`` (a
    folder map's step: on its ``arguments``)."""
    done = subprocess.run(
        [sys.executable, "-c", PEAK_OF_STEP, step, str(folder), json.dumps(arguments)],
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


def test_collection_frames_estimate_holds_a_long_movie(tmp_path):
    """5,000 frames of 16×12 to a common size of 320×240: 1.1 GB resized, as a
    movie of 300,000 frames is at the default 40×30. The job holds a block of
    them at a time, not the whole movie (which peaked at 1,302 MiB: above the
    1,000 MiB it asked for)."""
    n, width, height = 5000, 320, 240
    rng = np.random.default_rng(0)
    np.save(tmp_path / "frames.npy", rng.integers(0, 256, (n, 12, 16, 3), np.uint8))
    output = tmp_path / "resized.npy"
    peak = measured_peak(
        "collection_frames",
        tmp_path,
        frames_npy=str(tmp_path / "frames.npy"),
        output=str(output),
        width=width,
        height=height,
    )
    assert npy_shape(output) == (n, height, width, 3)
    estimate = frames_memory(16, 12, width, height)
    assert peak <= estimate <= 1.6 * peak, (peak / MB, estimate / MB)


def test_collection_join_estimate_holds_a_large_folder(tmp_path):
    """4 movies of 200,000 frames of 8×6: the table's 800,000 rows, as text and
    Python objects, outgrew the estimate of a job that held them all (which
    counted the frames only: 437 MiB, its peak 526 MiB). The job writes both
    outputs as it reads, a block at a time."""
    movies, n = [f"movie{m}" for m in range(4)], 200_000
    for movie in movies:
        np.save(tmp_path / f"{movie}.npy", np.zeros((n, 6, 8, 3), np.uint8))
        write_frames_tsv(tmp_path / f"{movie}.tsv", [i / 25 for i in range(n)])
    table = tmp_path / "frames.tsv"
    peak = measured_peak(
        "collection_join",
        tmp_path,
        frames_npys=[str(tmp_path / f"{movie}.npy") for movie in movies],
        frames_tsvs=[str(tmp_path / f"{movie}.tsv") for movie in movies],
        movies=movies,
        frames_output=str(tmp_path / "frames.npy"),
        table_output=str(table),
    )
    assert npy_shape(tmp_path / "frames.npy") == (4 * n, 6, 8, 3)
    assert table.read_text().count("\n") == 4 * n + 1
    estimate = join_memory(8, 6)
    assert peak <= estimate <= 1.6 * peak, (peak / MB, estimate / MB)


def test_plot_maps_estimate_holds_a_long_movie(tmp_path):
    """Six maps of 20,000 frames: matplotlib holds every point and segment it
    draws (a long movie's plot went past the 700 MB a small job leaves its step
    on a cluster: 920 MB at 50,000 frames). The estimate holds a fifth more than
    the peak here: the workflow's jobs peaked above the step alone (696 MB at
    50,000 frames)."""
    from PIL import Image

    n = 20_000
    (tmp_path / "frames").mkdir()
    Image.new("RGB", (80, 60), (200, 90, 30)).save(tmp_path / "frames" / "1.png")
    # Every row names one picture: the plot shows six of them.
    rows = [[i, f"{i / 25:.6f}", "frames/1.png"] for i in range(n)]
    save_tsv(tmp_path / "frames.tsv", ["frame", "time", "file"], rows)
    names = [f"{method}_{metric}" for metric in ("gray", "hsl") for method in METHODS]
    rng = np.random.default_rng(0)
    for name in names:
        # Points all over the square, joined in frame order: every segment
        # long, the most a map makes matplotlib hold (a path that wanders as
        # a smooth movie's does held less than half).
        np.save(tmp_path / f"{name}.npy", rng.random((n, 2)))
    peak = measured_peak(
        "plot_maps",
        tmp_path,
        frames_tsv=str(tmp_path / "frames.tsv"),
        scaled_npys=[str(tmp_path / f"{name}.npy") for name in names],
        output=str(tmp_path / "maps.png"),
        names=names,
        title="long",
        thumbnails=6,
    )
    assert (tmp_path / "maps.png").stat().st_size > 0
    estimate = plot_maps_memory(n)
    assert 1.2 * peak <= estimate <= 2 * peak, (peak / MB, estimate / MB)


def test_nearest_estimate_counts_the_matrix_it_reads(tmp_path):
    """The viewer's nearest frames ranked from a dense path's matrix of 8,000
    frames: the step reads it through a memory map, whose pages count in its
    peak (a small job's 700 MB would hold them only to about 12,000 frames)."""
    n = 8_000
    matrix = np.lib.format.open_memmap(
        tmp_path / "matrix.npy", "w+", np.float32, (n, n)
    )
    rng = np.random.default_rng(0)
    for start in range(0, n, 1000):
        matrix[start : start + 1000] = rng.random((1000, n), np.float32)
    matrix.flush()
    del matrix
    peak = measured_peak("nearest_frames", tmp_path)
    assert np.load(tmp_path / "nearest.npy").shape == (n, 30)
    assert peak > 4 * n * n, peak / MB
    estimate = nearest_memory(n)
    assert peak <= estimate <= 1.4 * peak, (peak / MB, estimate / MB)
