"""The reuse stage through the workflow past reuse.index_windows: the search
for similar windows as jobs of bounded size (reuse_index, reuse_search per
block, then reuse joins their pairs), with the one job's results; and
results/reuse.tsv asked for alone, on either side of index_windows."""

import re

import numpy as np
import yaml

from framescape.common import load_tsv
from framescape.reuse import jobs as reuse_jobs
from framescape.reuse import matching as reuse_matching
from framescape.testing import CONFIG, copy_movie, logged_jobs, snakemake, write_config

SPLIT = {"reuse_index", "reuse_search"}
MOVIES = ("bikes", "bikes_copy")


def folder(tmp_path, bikes):
    """bikes.mp4 and its copy (they share their footage), and a function that
    writes the config with the reuse stage's ``changes``."""
    movies = tmp_path / "movies"
    movies.mkdir()
    for movie in MOVIES:
        copy_movie(bikes, movies, f"{movie}.mp4")
    section = yaml.safe_load(CONFIG.read_text())["reuse"]

    def configure(**changes):
        write_config(
            tmp_path,
            metrics=["gray"],
            methods=["mds"],
            collection={"enabled": False},
            shots={"enabled": False},
            reuse={**section, "enabled": True, **changes},
        )

    return section, configure


def first_plan(output):
    """The jobs of each rule in the first plan a run printed (its Job stats)."""
    table = output.split("Job stats:", 1)[1].split("\n\n", 1)[0]
    return {
        rule: int(count)
        for rule, count in re.findall(r"^(\w+)\s+(\d+)$", table, re.MULTILINE)
        if rule != "total"
    }


def ran(output):
    return [rule for rule, _ in logged_jobs(output)]


def reuse_ran(output):
    """The reuse stage's jobs a run ran, sorted."""
    return sorted(rule for rule in ran(output) if rule.startswith("reuse"))


def descriptors(results):
    return [results / movie / "reuse" / "descriptors.npz" for movie in MOVIES]


def windows(results):
    return sum(len(np.load(path)["times"]) for path in descriptors(results))


def test_a_folder_past_index_windows_searches_in_blocks(tmp_path, bikes):
    """index_windows 0: reuse.tsv through the index and its blocks, joined by
    rule reuse, and the same table as the one search through the index
    (bikes.mp4 and its copy share their footage); another index_windows the
    folder still passes reruns nothing, a larger one searches every pair."""
    section, configure = folder(tmp_path, bikes)
    configure(index_windows=0)
    output = snakemake(tmp_path, "results/reuse.js").stderr
    rules = ran(output)
    assert SPLIT <= set(rules) and rules.count("reuse") == 1, rules
    assert rules.count("reuse_search") == 1
    results = tmp_path / "results"
    log = (results / "logs" / "reuse_search_0.log").read_text()
    assert "windows of" in log and "searched in the index" in log, log
    assert "1 blocks searched through the index" in (
        results / "logs" / "reuse.log"
    ).read_text()
    found = reuse_jobs.load_descriptors(descriptors(results))
    pairs = reuse_matching.indexed_pairs(
        found.vectors,
        found.movie,
        found.time,
        section["min_seconds"],
        rows=reuse_jobs.pair_rows(found.movie),
    )
    one = tmp_path / "one.tsv"
    assert reuse_jobs.write_stretches(
        found, pairs, list(MOVIES), section["min_seconds"], one
    ), "bikes.mp4 and its copy share footage"
    assert (results / "reuse.tsv").read_bytes() == one.read_bytes()
    assert load_tsv(results / "reuse.tsv")
    assert not (results / "reuse").exists() or not list((results / "reuse").iterdir())
    # Another index_windows that the folder's windows still pass: nothing.
    configure(index_windows=1)
    assert logged_jobs(snakemake(tmp_path, "-n", "results/reuse.js").stdout) == []
    configure(index_windows=50_000)
    output = snakemake(tmp_path, "-n", "results/reuse.js").stdout
    planned = {rule for rule, _ in logged_jobs(output)}
    assert "reuse" in planned and not SPLIT & planned, planned


def test_reuse_tsv_alone_on_either_side_of_index_windows(tmp_path, bikes):
    """results/reuse.tsv asked for alone: on a new folder every movie's
    descriptors planned at once, then reuse; with the descriptors made again
    (another fps) and the folder's windows now past index_windows, the
    index's jobs then reuse; back below, reuse alone, after which the full
    run reruns nothing of the stage."""
    _, configure = folder(tmp_path, bikes)
    configure(fps=1)
    output = snakemake(tmp_path, "results/reuse.tsv").stderr
    plan = first_plan(output)
    assert (plan.get("reuse_descriptors"), plan.get("reuse")) == (2, 1), output
    assert reuse_ran(output) == ["reuse", "reuse_descriptors", "reuse_descriptors"]
    results = tmp_path / "results"
    below = windows(results)
    assert below > 0
    # Twice the windows, past index_windows: the table through the index.
    configure(fps=2, index_windows=below)
    output = snakemake(tmp_path, "results/reuse.tsv").stderr
    assert windows(results) > below
    assert reuse_ran(output) == [
        "reuse",
        "reuse_descriptors",
        "reuse_descriptors",
        "reuse_index",
        "reuse_search",
    ], output
    assert "blocks searched through the index" in (
        results / "logs" / "reuse.log"
    ).read_text()
    # Back below it: each against every other, and nothing left to redo.
    configure(fps=1, index_windows=below)
    output = snakemake(tmp_path, "results/reuse.tsv").stderr
    assert reuse_ran(output) == ["reuse", "reuse_descriptors", "reuse_descriptors"]
    assert "each against every other" in (results / "logs" / "reuse.log").read_text()
    planned = logged_jobs(snakemake(tmp_path, "-n", "results/reuse.js").stdout)
    assert planned == [("reuse_script", "")], planned
