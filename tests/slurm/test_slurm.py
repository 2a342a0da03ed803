"""The workflow on a real SLURM cluster: a one-node cluster on this machine
(tests/slurm/cluster), the repository's profile, and every result compared with
the local runs of the same movie (conftest.long_whole, conftest.long_graph)."""

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from framescape.common import GB, MB
from framescape.run.guard import machine_memory
from framescape.testing import (
    DEMO_MOVIE,
    HOSTILE_ID,
    HOSTILE_NAME,
    LONG_GRAPH,
    LONG_SETTINGS,
    LONG_TARGETS,
    REPO,
    copy_movie,
    make_movie,
    need,
    snakemake,
    snakemake_command,
    write_config,
)
from framescape.testing.storage import reuse_block_mb

CLUSTER = REPO / "tests" / "slurm" / "cluster"
STATE = "/tmp/framescape-slurm"
# This cluster keeps no accounting (sacct has nothing), so the plugin asks squeue;
# and the first status check comes after 2 s instead of 40 (docs/cluster.md).
CLUSTER_OPTIONS = [
    "--slurm-status-command",
    "squeue",
    "--slurm-init-seconds-before-status-checks",
    "2",
]
TIMEOUT = 1800


@pytest.fixture(scope="module")
def cluster():
    """The one-node cluster of tests/slurm/cluster (slurm-wlm and munge installed
    beforehand: CI installs them, tests install nothing)."""
    tools = ("slurmctld", "slurmd", "munged", "sinfo", "sbatch")
    need(all(shutil.which(tool) for tool in tools), "SLURM (slurm-wlm, munge)")
    environment = {**os.environ, "FRAMESCAPE_SLURM": STATE}
    started = subprocess.run(
        ["bash", str(CLUSTER), "start"],
        check=False,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    if started.returncode != 0:
        pytest.fail(f"tests/slurm/cluster start failed:\n{started.stderr[-2000:]}")
    yield {**environment, "SLURM_CONF": f"{STATE}/slurm.conf"}
    subprocess.run(
        ["bash", str(CLUSTER), "stop"], check=False, env=environment, timeout=60
    )


def submitted_jobs(environment):
    """``scontrol show job`` of every job the cluster still remembers:
    ``[{field: value}]`` (finished jobs stay for MinJobAge = 3,600 s: a run of
    several minutes beside other tests still finds its first jobs)."""
    shown = subprocess.run(
        ["scontrol", "-o", "show", "job"],
        check=False,
        capture_output=True,
        text=True,
        env=environment,
    ).stdout
    jobs = [dict(re.findall(r"(\w+)=(\S*)", line)) for line in shown.splitlines()]
    return [job for job in jobs if "JobId" in job]  # not "No jobs in the system"


def result_files(results, movie):
    files = sorted(
        path
        for pattern in ("*.npy", "*.npz", "*.json")
        for path in (results / movie).rglob(pattern)
    )
    files.append(results / f"{movie}.json")
    return [path.relative_to(results) for path in files]


def cluster_snakemake(cluster, workdir, *args):
    """Run the workflow in ``workdir`` through the SLURM profile:
    ``(exit status, output, the SLURM jobs it submitted as scontrol fields)``."""
    command = snakemake_command(
        workdir, "--profile", str(REPO / "profiles" / "slurm"), *CLUSTER_OPTIONS, *args
    )
    earlier = {job["JobId"] for job in submitted_jobs(cluster)}
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        cwd=workdir,
        env=cluster,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        subprocess.run(["scancel", "--user", "root"], check=False, env=cluster)
        output, _ = process.communicate()
        pytest.fail(f"the cluster run took over {TIMEOUT} s:\n{output[-4000:]}")
    elapsed = time.monotonic() - started
    jobs = [job for job in submitted_jobs(cluster) if job["JobId"] not in earlier]
    print(f"\ncluster run: {elapsed:.0f} s, {len(jobs)} SLURM jobs")
    for job in jobs:
        print(
            f"  {job.get('JobId')} {job.get('Comment', '')[:60]} "
            f"cpus={job.get('NumCPUs')} mem={job.get('MinMemoryNode')} "
            f"time={job.get('TimeLimit')} {job.get('Partition')} {job.get('JobState')}"
        )
    return process.returncode, output, jobs


def cluster_run(cluster, workdir, *args):
    """:func:`cluster_snakemake`, checking that the run and every job succeeded;
    returns the jobs."""
    returncode, output, jobs = cluster_snakemake(cluster, workdir, *args)
    assert returncode == 0, output[-6000:]
    assert jobs and all(job["JobState"] == "COMPLETED" for job in jobs)
    return jobs


def megabytes(size):
    """scontrol's memory (``362M``, ``2G``) in MB."""
    return int(float(size[:-1]) * {"M": 1, "G": 1024, "T": 1024**2}[size[-1]])


def jobs_of(jobs, rule):
    return [job for job in jobs if job.get("Comment", "").startswith(f"rule_{rule}_")]


def test_cluster_run_gives_the_local_results(cluster, long_whole, long_graph, tmp_path):
    """One cluster run of the long movie (1,095 frames, above dense_max_frames)
    under a hostile name, through the whole workflow: its neighbour graphs from
    a candidate pass and re-ranks in blocks of 1,024 frames (2 a metric, each a
    SLURM job of its own), its maps, JSON and pages, and its matrices, asked for
    by name, cut into tiles of 1,024, sized by their frames. Every file equals
    the local runs' (the matrices: the local one-job ones; the rest: the local
    graph-path run, whose blocks are of 512)."""
    workdir = tmp_path / "cluster"
    (workdir / "movies").mkdir(parents=True)
    copy_movie(DEMO_MOVIE, workdir / "movies", HOSTILE_NAME)
    write_config(
        workdir,
        **{**LONG_GRAPH, "tile_frames": 1024},
        movie_overrides={HOSTILE_NAME: LONG_SETTINGS},
    )
    matrices = [target.replace("demo_year", HOSTILE_ID) for target in LONG_TARGETS]
    jobs = cluster_run(cluster, workdir, "--", "all", *matrices)
    # One job for the movie's scale and merge_json steps (grouped).
    assert len(jobs_of(jobs, "maps")) == 1, [job.get("Comment") for job in jobs]
    for folder in (workdir, REPO, Path(STATE)):
        assert not list(folder.rglob("PWNED")), f"PWNED in {folder}"

    tiles = jobs_of(jobs, "compute_distance_tile")
    assert len(tiles) == 6, [job.get("Comment") for job in jobs]
    assert len(jobs_of(jobs, "compute_distances")) == 2  # assembled from tiles
    # A tile of 1,024 × 1,024 frames asks for more memory than one of 1,024 × 71.
    memory = {
        job["Comment"].split("_wildcards_")[1]: megabytes(job["MinMemoryNode"])
        for job in tiles
    }
    assert memory[f"{HOSTILE_ID}_gray_0_0"] > memory[f"{HOSTILE_ID}_gray_0_1"], memory
    for target, whole in zip(matrices, LONG_TARGETS):
        assert (workdir / target).read_bytes() == (
            long_whole / Path(whole).relative_to("results")
        ).read_bytes(), target

    assert len(jobs_of(jobs, "graph_candidates")) == 2
    assert len(jobs_of(jobs, "graph_rerank")) == 4  # blocks of 1,024 frames
    assert len(jobs_of(jobs, "neighbour_graph")) == 2
    results = workdir / "results"
    local = long_graph[0] / "results"
    files = result_files(local, "demo_year")
    assert len(files) >= 20, files  # graphs, nearest, 6 maps, scaled, JSON
    for path in files:
        ours = results / str(path).replace("demo_year", HOSTILE_ID)
        if path.name.endswith("_heatmap.npy"):  # summed in another order
            np.testing.assert_allclose(np.load(ours), np.load(local / path), rtol=1e-6)
        elif path.name == "demo_year.json":  # its items name the movie's folder
            assert ours.read_text() == (local / path).read_text().replace(
                '"src": "demo_year/', f'"src": "{HOSTILE_ID}/'
            )
        else:
            assert ours.read_bytes() == (local / path).read_bytes(), path


def slurm_fields(cluster, *command):
    """``scontrol -o show …`` of one node or partition: ``{field: value}``."""
    shown = subprocess.run(
        ["scontrol", "-o", "show", *command],
        capture_output=True,
        text=True,
        env=cluster,
        check=True,
    ).stdout
    return dict(re.findall(r"(\w+)=(\S*)", shown))


def refusal(output, movie):
    """``(needed GB, available GB, where)`` of the guard's line for ``movie``."""
    found = re.search(
        rf"framescape: error: {movie}: needs about ([\d.]+) GB of memory \(\d+ "
        r"frames of 32x24\) but ([\d.]+) GB is available( on a node of SLURM "
        r"partition \w+)?: lower fps \(now 1\)",
        output,
    )
    assert found, output[-6000:]
    return float(found.group(1)), float(found.group(2)), found.group(3)


def test_guard_counts_the_memory_of_a_node(cluster, tmp_path):
    """memory_limit_gb auto on SLURM: the limit is the largest node of the jobs'
    partition (6 GiB here, less than this machine), not the small extract_frames
    job's allocation (1,000 MB) nor the machine the check happens to run on. With
    dense_max_frames forcing the dense path, a movie whose largest job asks 2.1 GB
    is decoded, one asking 8.7 GB is refused with one line before decoding, and on
    the partition "small" (MaxMemPerNode 1,024 MB) the 2.1 GB one is refused too.
    With dense_max_frames auto (the node's memory decides) the 8.7 GB one takes the
    neighbour-graph path instead, and is decoded."""
    node = slurm_fields(cluster, "node")
    node_gb = int(node["RealMemory"]) * MB / GB
    assert machine_memory() > 9 * GB > node_gb * GB, "the test needs a smaller node"
    (tmp_path / "movies").mkdir()
    # 32×24 frames at 1 fps: 8,000 and 20,000 frames (largest dense job umap or
    # t-SNE, 1.8 and 8.4 GB for their steps), decoded in seconds.
    make_movie(tmp_path / "movies" / "fits.mp4", seconds=8000, rate=1)
    make_movie(tmp_path / "movies" / "huge.mp4", seconds=20000, rate=1)
    write_config(tmp_path, frame_width=32, frame_height=24, dense_max_frames=100000)
    targets = ["results/fits/frames.npy", "results/huge/frames.npy"]
    # A refused movie is no lost node: no retry.
    returncode, output, jobs = cluster_snakemake(
        cluster, tmp_path, "--retries", "0", "--", *targets
    )
    assert returncode != 0
    needed, available, where = refusal(output, "huge.mp4")
    assert (available, where) == (
        round(node_gb, 1),
        " on a node of SLURM partition main",
    )
    assert available < needed < machine_memory() / GB
    assert "or lower dense_max_frames (now 100000) below 20000 frames" in output
    assert np.load(tmp_path / targets[0], mmap_mode="r").shape == (8000, 24, 32, 3)
    assert not (tmp_path / targets[1]).exists()
    assert not list((tmp_path / "results" / "huge").glob(".*partial"))
    extract = jobs_of(jobs, "extract_frames")
    assert sorted(job["JobState"] for job in extract) == ["COMPLETED", "FAILED"]

    small = slurm_fields(cluster, "partition", "small")
    returncode, output, jobs = cluster_snakemake(
        cluster,
        tmp_path,
        "--retries",
        "0",
        "--default-resources",
        "slurm_partition=small",
        "mem_mb=1000",
        "runtime=30",
        "--forcerun",
        "extract_frames",
        "--",
        targets[0],
    )
    assert returncode != 0
    needed, available, where = refusal(output, "fits.mp4")
    assert where == " on a node of SLURM partition small"
    assert available == round(int(small["MaxMemPerNode"]) * MB / GB, 1) < needed
    assert {job["Partition"] for job in jobs} == {"small"}

    write_config(tmp_path, frame_width=32, frame_height=24)
    cluster_run(cluster, tmp_path, "--retries", "0", "--", targets[1])
    assert np.load(tmp_path / targets[1], mmap_mode="r").shape == (20000, 24, 32, 3)


def test_folder_index_stages_run_as_slurm_jobs(cluster, bikes, tmp_path):
    """A folder past collection.index_frames and reuse.index_windows (0 both):
    the folder map's graph through the index (index_build, index_search per
    block, gray's index_join and index_refine per block, index_graph) and
    reused footage in blocks (reuse_index, reuse_search per block, then reuse
    joining their pairs), each a SLURM job of its own, the reuse jobs sized as
    the local descriptors' windows call for; the graph and reuse.tsv are the
    local run's, byte for byte."""
    targets = ["results/collection/graph/gray_index.npz", "results/reuse.js"]
    runs = {}
    for place in ("local", "cluster"):
        workdir = tmp_path / place
        (workdir / "movies").mkdir(parents=True)
        copy_movie(bikes, workdir / "movies", "bikes.mp4")
        copy_movie(bikes, workdir / "movies", "bikes_copy.mp4")
        reuse = yaml.safe_load((REPO / "config.yaml").read_text())["reuse"]
        write_config(
            workdir,
            metrics=["gray"],
            methods=["mds"],
            shots={"enabled": False},
            collection={"metrics": ["gray"], "methods": ["mds"], "index_frames": 0},
            reuse={**reuse, "index_windows": 0},
        )
        runs[place] = workdir / "results"
    snakemake(tmp_path / "local", "--", *targets)
    jobs = cluster_run(cluster, tmp_path / "cluster", "--", *targets)
    rules = [job.get("Comment", "").split("_wildcards_")[0] for job in jobs]
    for rule in ("index_build", "index_join", "index_graph", "reuse_index", "reuse"):
        assert rules.count(f"rule_{rule}") == 1, rules
    for rule in ("index_search", "index_refine", "reuse_search"):
        assert rules.count(f"rule_{rule}") >= 1, rules
    assert "rule_graph_candidates" not in rules
    expected = reuse_block_mb(runs["local"], ["bikes", "bikes_copy"])
    for rule, mb in expected.items():
        asked = [
            megabytes(job["MinMemoryNode"])
            for job, name in zip(jobs, rules)
            if name == f"rule_{rule}"
        ]
        assert asked == [mb], (rule, asked)
    for name in ("collection/graph/gray_index.npz", "reuse.tsv"):
        local = (runs["local"] / name).read_bytes()
        assert (runs["cluster"] / name).read_bytes() == local, name
    assert len((runs["cluster"] / "reuse.tsv").read_text().splitlines()) > 1
