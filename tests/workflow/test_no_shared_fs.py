"""The workflow without a shared file system, as the cloud executors run it
(docs/cloud.md): the demo and a copy of bikes.mp4 from a clone, every file
through Snakemake's fs storage plugin, each job in an empty folder of its own
with only the workflow's files and its declared inputs. Each of the demo's
results is the local shared run's, byte for byte; every job is submitted with
a number for its memory; a second run has nothing to do."""

import importlib.util
import json
import os
import re
import shutil
import subprocess

import pytest
import yaml

from framescape.common import load_tsv
from framescape.run import handover
from framescape.testing import (
    CONFIG,
    DEMO_MOVIE,
    copy_movie,
    need,
    real_movie,
    snakemake,
    snakemake_command,
    write_config,
)
from framescape.testing.storage import (
    clone,
    reuse_block_mb,
    run_without_shared_fs,
    submitted,
)

# MDS alone: t-SNE and UMAP take the same paths through the storage, and each
# job here starts two Snakemake processes (minutes for the six layouts).
METHODS = ["mds"]
# Two movies make a folder map (t-SNE of its neighbour graph) and a reuse
# stage: their jobs are sized from files Snakemake's own process does not have.
COLLECTION = {
    "enabled": True,
    "frame_width": 40,
    "frame_height": 30,
    "metrics": ["gray"],
    "methods": ["tsne"],
    "n_neighbors": 30,
    "perplexity": 30,
}
# What a user compares: the data, the tables, the pictures and the pages'
# scripts (logs and benchmarks differ from run to run, the pages' element ids
# too, and the OTIO and EDL name the movie's own path).
COMPARED = {".npy", ".npz", ".json", ".tsv", ".js", ".png"}
# The rules whose memory comes from their inputs' headers or sizes: what a
# cloud executor asks the cluster for (none of the demo's distances are tiled).
SIZED_FROM_INPUTS = {
    "compute_distances",
    "embed",
    "graph_candidates",
    "graph_rerank",
    "neighbour_graph",
    "collection_frames",
    "collection_json",
    "collection_page",
    "reuse",
}


def need_plugins():
    need(shutil.which("rsync"), "rsync (the fs storage plugin copies with it)")
    for plugin in (
        "snakemake_storage_plugin_fs",
        "snakemake_executor_plugin_cluster_sync",
    ):
        need(importlib.util.find_spec(plugin), f"{plugin} (pip install -e .[test])")


@pytest.fixture(scope="module")
def storage_run(workflow_run, tmp_path_factory):
    """The demo and bikes.mp4 from a clone, with --shared-fs-usage none and the
    fs storage: ``(clone, storage, nodes, output)``."""
    need_plugins()
    root = tmp_path_factory.mktemp("no-shared-fs")
    workdir = clone(root / "clone")
    copy_movie(real_movie("bikes.mp4"), workdir / "movies", "bikes.mp4")
    write_config(
        workdir, base=workdir / "config.yaml", methods=METHODS, collection=COLLECTION
    )
    nodes = root / "nodes"
    nodes.mkdir()
    result = run_without_shared_fs(workdir, root / "storage", nodes)
    return workdir, root / "storage", nodes, result.stdout + result.stderr


def demo_files(results):
    """``{path relative to results: bytes}`` of the demo's compared files,
    as far as MDS makes them (maps.png draws every method)."""

    def compared(path):
        parts = path.relative_to(results / "demo_year").parts
        if parts[0] in ("embeddings", "scaled"):
            return parts[-1].split("_")[0] in METHODS
        return (
            path.is_file()
            and path.suffix in COMPARED
            and parts[0] not in ("logs", "benchmarks")
            and parts[-1] != "maps.png"
        )

    files = [path for path in (results / "demo_year").rglob("*") if compared(path)]
    return {str(path.relative_to(results)): path.read_bytes() for path in files}


def demo_items(results):
    keys = {"src", "frame", "time", "mds_gray", "mds_hsl"}
    items = json.loads((results / "demo_year.json").read_text())
    return [{key: item[key] for key in keys} for item in items]


def test_demo_results_are_the_local_runs(storage_run, workflow_run):
    stored = storage_run[1] / "results"
    local = workflow_run[0] / "results"
    made, expected = demo_files(stored), demo_files(local)
    assert sorted(made) == sorted(expected)
    assert [name for name in made if made[name] != expected[name]] == []
    assert len([name for name in made if "/frames/" in name]) == 365
    assert demo_items(stored) == demo_items(local)


def test_folder_tables_hold_the_local_runs_rows(storage_run, workflow_run):
    stored = storage_run[1] / "results"
    local = workflow_run[0] / "results"
    for table in ("movies.tsv", "shots.tsv"):
        rows = [row for row in load_tsv(local / table) if row["movie"] == "demo_year"]
        made = [row for row in load_tsv(stored / table) if row["movie"] != "bikes"]
        assert made == rows
    assert {row["movie"] for row in load_tsv(stored / "movies.tsv")} == {
        "demo_year",
        "bikes",
    }


def test_pages_and_folder_stages_are_made(storage_run):
    """The index links the folder map beside it, as a local run's does."""
    stored = storage_run[1] / "results"
    for name in ("demo_year.html", "bikes.html", "collection.html", "reuse.js"):
        assert (stored / name).is_file(), name
    assert (
        '<a href="collection.html">Map of the whole folder</a>'
        in (stored / "index.html").read_text()
    )


def test_every_job_is_submitted_with_its_memory(storage_run):
    """Snakemake's own process has none of the results' large files, yet asks
    for every job's memory in MB: a cloud executor passes it on as the pod's
    request, and Snakemake's marker for a resource it could not evaluate
    (<TBD>) would fail the submission."""
    jobs = submitted(storage_run[2])
    assert SIZED_FROM_INPUTS <= {rule for rule, _, _ in jobs}
    assert [job for job in jobs if not re.fullmatch(r"[1-9]\d*", job[1])] == []
    assert {handed for _, _, handed in jobs} == {"handed"}


def test_a_second_run_has_nothing_to_do(storage_run):
    """Planned again against the storage's files and their times."""
    workdir, storage, nodes, _ = storage_run
    result = run_without_shared_fs(workdir, storage, nodes, "--dry-run")
    assert "Nothing to be done" in result.stdout + result.stderr, result.stdout[-3000:]


def test_no_results_folder_where_snakemake_runs(storage_run):
    """The run's own process keeps no lock, status or table of its own: the
    results are in the storage."""
    workdir = storage_run[0]
    assert not (workdir / "results").exists()


def test_a_storage_run_hands_over_without_shared_fs_usage_none(tmp_path):
    """The cloud executors imply --shared-fs-usage none, and are called
    without it; but Snakemake applies it only once it has read the Snakefile.
    A run whose results are in a storage hands its jobs the movies all the
    same (here, with a shared file system, the job needs none)."""
    need_plugins()
    workdir = clone(tmp_path / "clone")
    write_config(workdir, base=workdir / "config.yaml")
    nodes = tmp_path / "nodes"
    nodes.mkdir()
    target = "results/demo_year/probe.json"
    run_without_shared_fs(
        workdir, tmp_path / "storage", nodes, target, shared_fs_usage=None
    )
    assert submitted(nodes) == [("probe_movie", "1000", "handed")]


def test_a_job_handed_no_movies_stops_with_one_line(tmp_path):
    """A job without a shared file system, handed no movie list, that sees no
    movies folder says what is missing, not which folder it cannot read."""
    write_config(tmp_path, movies=str(tmp_path / "elsewhere"))
    command = snakemake_command(
        tmp_path,
        "--mode",
        "remote",
        "--shared-fs-usage",
        "none",
        "--default-storage-provider",
        "fs",
        "--default-storage-prefix",
        str(tmp_path / "storage"),
    )
    environment = {
        name: value for name, value in os.environ.items() if name != handover.VARIABLE
    }
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "framescape: error: this job sees no movies folder "
        f"('{tmp_path / 'elsewhere'}') and was handed no movie list "
        f"({handover.VARIABLE}): start the run with a default storage provider "
        "(docs/cloud.md), whose own process hands it to its jobs"
    )


def test_reuse_in_blocks_reads_only_its_inputs(tmp_path, bikes):
    """Past reuse.index_windows (0) without a shared file system, reuse.tsv
    asked for alone: the index, the search of each block and reuse, which
    joins their pairs, each in an empty folder, with only the files they
    declare; reuse.tsv is a local run's, and the run's own process, which has
    none of the descriptors, sizes each job from their size in the storage:
    the memory the local descriptors' windows call for."""
    need_plugins()
    reuse = yaml.safe_load(CONFIG.read_text())["reuse"]
    settings = {
        "metrics": ["gray"],
        "methods": ["mds"],
        "collection": {"enabled": False},
        "shots": {"enabled": False},
        "reuse": {**reuse, "index_windows": 0},
    }
    local = tmp_path / "local"
    (local / "movies").mkdir(parents=True)
    workdir = clone(tmp_path / "clone")
    # The same movies in both: the clone's own demo left out.
    (workdir / "movies" / DEMO_MOVIE.name).unlink()
    for folder in (local, workdir):
        copy_movie(bikes, folder / "movies", "bikes.mp4")
        copy_movie(bikes, folder / "movies", "bikes_copy.mp4")
    write_config(local, **settings)
    write_config(workdir, base=workdir / "config.yaml", **settings)
    snakemake(local, "--", "results/reuse.js")
    nodes = tmp_path / "nodes"
    nodes.mkdir()
    storage = tmp_path / "storage"
    run_without_shared_fs(workdir, storage, nodes, "results/reuse.tsv")
    jobs = submitted(nodes)
    rules = [rule for rule, _, _ in jobs]
    expected = reuse_block_mb(local / "results", ["bikes", "bikes_copy"])
    for rule, mb in expected.items():
        assert [int(job[1]) for job in jobs if job[0] == rule] == [mb], (rule, jobs)
    assert rules.count("reuse_descriptors") == 2, rules
    assert [job for job in jobs if not re.fullmatch(r"[1-9]\d*", job[1])] == []
    table = (storage / "results" / "reuse.tsv").read_bytes()
    assert table == (local / "results" / "reuse.tsv").read_bytes()
    assert len(table.splitlines()) > 1
