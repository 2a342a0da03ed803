"""The workflow on a real SLURM cluster: a one-node cluster on this machine
(tests/slurm/cluster), the repository's profile, and every result compared with
the local run of the same movies (conftest.workflow_run)."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import (
    HOSTILE_ID,
    HOSTILE_NAME,
    LONG_TARGETS,
    REPO,
    copy_movie,
    demo_movie,
    long_movie_folder,
    snakemake_command,
    write_config,
)

pytestmark = pytest.mark.workflow

CLUSTER = REPO / "tests" / "slurm" / "cluster"
STATE = "/tmp/framescape-slurm"
# This cluster keeps no accounting (sacct has nothing), so the plugin asks squeue;
# and the first status check comes after 2 s instead of 40 (README, Clusters).
CLUSTER_OPTIONS = [
    "--slurm-status-command",
    "squeue",
    "--slurm-init-seconds-before-status-checks",
    "2",
]
TIMEOUT = 1800


@pytest.fixture(scope="module")
def cluster():
    environment = {**os.environ, "FRAMESCAPE_SLURM": STATE}
    started = subprocess.run(
        ["bash", str(CLUSTER), "start"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=900,
    )
    if started.returncode != 0:
        reason = (
            "NO SLURM: tests/slurm/cluster could not install or start a cluster here "
            f"({started.stderr.strip()[-400:]}); the cluster run was NOT tested"
        )
        print(reason, file=sys.stderr)
        pytest.skip(reason)
    yield {**environment, "SLURM_CONF": f"{STATE}/slurm.conf"}
    subprocess.run(["bash", str(CLUSTER), "stop"], env=environment, timeout=60)


def submitted_jobs(environment):
    """``scontrol show job`` of every job the cluster still remembers:
    ``[{field: value}]`` (finished jobs stay for MinJobAge = 300 s)."""
    shown = subprocess.run(
        ["scontrol", "-o", "show", "job"],
        capture_output=True,
        text=True,
        env=environment,
    ).stdout
    jobs = [dict(re.findall(r"(\w+)=(\S*)", line)) for line in shown.splitlines()]
    return [job for job in jobs if "JobId" in job]  # not "No jobs in the system"


def result_files(results, movie):
    files = sorted((results / movie).rglob("*.npy"))
    files += sorted((results / movie).rglob("*.json"))
    files.append(results / f"{movie}.json")
    return [path.relative_to(results) for path in files]


def cluster_run(cluster, workdir, *args):
    """Run the workflow in ``workdir`` through the SLURM profile; print and return
    the SLURM jobs it submitted (``scontrol`` fields), after checking that the run
    and every job succeeded."""
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
        subprocess.run(["scancel", "--user", "root"], env=cluster)
        output, _ = process.communicate()
        pytest.fail(f"the cluster run took over {TIMEOUT} s:\n{output[-4000:]}")
    elapsed = time.monotonic() - started
    assert process.returncode == 0, output[-6000:]

    jobs = [job for job in submitted_jobs(cluster) if job["JobId"] not in earlier]
    print(f"\ncluster run: {elapsed:.0f} s, {len(jobs)} SLURM jobs")
    for job in jobs:
        print(
            f"  {job.get('JobId')} {job.get('Comment', '')[:60]} "
            f"cpus={job.get('NumCPUs')} mem={job.get('MinMemoryNode')} "
            f"time={job.get('TimeLimit')} {job.get('JobState')}"
        )
    assert jobs and all(job["JobState"] == "COMPLETED" for job in jobs)
    return jobs


def megabytes(size):
    """scontrol's memory (``362M``, ``2G``) in MB."""
    return int(float(size[:-1]) * {"M": 1, "G": 1024, "T": 1024**2}[size[-1]])


def jobs_of(jobs, rule):
    return [job for job in jobs if job.get("Comment", "").startswith(f"rule_{rule}_")]


def test_cluster_run_gives_the_local_results(cluster, workflow_run, tmp_path):
    local, _ = workflow_run
    workdir = tmp_path / "cluster"
    (workdir / "movies").mkdir(parents=True)
    copy_movie(demo_movie(), workdir / "movies", "demo_year.mp4")
    copy_movie(local / "movies" / HOSTILE_NAME, workdir / "movies", HOSTILE_NAME)
    write_config(workdir)
    jobs = cluster_run(cluster, workdir)
    # One job per movie for its layouts (embed, scale, merge_json grouped).
    groups = jobs_of(jobs, "maps")
    assert len(groups) == 2, [job.get("Comment") for job in jobs]

    results = workdir / "results"
    for movie in ("demo_year", HOSTILE_ID):
        files = result_files(results, movie)
        assert len(files) == 19  # 17 .npy, probe.json, <movie>.json
        assert files == result_files(local / "results", movie)
        for path in files:
            assert (results / path).read_bytes() == (
                local / "results" / path
            ).read_bytes(), path
    for folder in (workdir, REPO, Path(STATE)):
        assert not list(folder.rglob("PWNED")), f"PWNED in {folder}"


def test_cluster_splits_a_long_movie_into_tile_jobs(cluster, long_whole, tmp_path):
    """1,095 frames in tiles of 512: every tile a SLURM job of its own (6 a
    metric), sized by its frames; the matrices equal the local one-job ones."""
    workdir = long_movie_folder(tmp_path / "tiles", tile_frames=512)
    jobs = cluster_run(cluster, workdir, "--", *LONG_TARGETS)
    tiles = jobs_of(jobs, "compute_distance_tile")
    assert len(tiles) == 12, [job.get("Comment") for job in jobs]
    assert len(jobs_of(jobs, "compute_distances")) == 2
    # A tile of 512 × 512 frames asks for less memory than one of 512 × 71.
    memory = {
        job["Comment"].split("_wildcards_")[1]: megabytes(job["MinMemoryNode"])
        for job in tiles
    }
    assert memory["demo_year_hsl_0_1"] > memory["demo_year_hsl_0_2"], memory
    for target in LONG_TARGETS:
        path = Path(target).relative_to("results")
        assert (workdir / "results" / path).read_bytes() == (
            long_whole / path
        ).read_bytes(), path
