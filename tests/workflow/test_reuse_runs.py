"""The reuse stage through the workflow past reuse.index_windows: the search
for similar windows as jobs of bounded size (reuse_index, reuse_search per
block, reuse_stretches), with the one job's results."""

import yaml

from framescape.common import load_tsv
from framescape.reuse.jobs import reuse_step
from framescape.testing import CONFIG, copy_movie, logged_jobs, snakemake, write_config

SPLIT = {"reuse_index", "reuse_search", "reuse_stretches"}


def test_a_folder_past_index_windows_searches_in_blocks(tmp_path, bikes):
    """index_windows 0: reuse.tsv through the index's three rules, not the
    one job, and the same table as the one job's through the index (bikes.mp4
    and its copy share their footage); another index_windows the folder still
    passes reruns nothing, a larger one takes the one job again."""
    movies = tmp_path / "movies"
    movies.mkdir()
    copy_movie(bikes, movies, "bikes.mp4")
    copy_movie(bikes, movies, "bikes_copy.mp4")

    section = yaml.safe_load(CONFIG.read_text())["reuse"]

    def configure(index_windows):
        write_config(
            tmp_path,
            metrics=["gray"],
            methods=["mds"],
            collection={"enabled": False},
            shots={"enabled": False},
            reuse={**section, "enabled": True, "index_windows": index_windows},
        )

    configure(0)
    output = snakemake(tmp_path, "results/reuse.js").stderr
    rules = [rule for rule, _ in logged_jobs(output)]
    assert SPLIT <= set(rules) and "reuse" not in rules, rules
    assert rules.count("reuse_search") == 1
    results = tmp_path / "results"
    log = (results / "logs" / "reuse_search_0.log").read_text()
    assert "windows of" in log and "searched in the index" in log, log
    npzs = [
        results / movie / "reuse" / "descriptors.npz"
        for movie in ("bikes", "bikes_copy")
    ]
    one_job = reuse_step(
        npzs,
        ["bikes", "bikes_copy"],
        section["min_seconds"],
        tmp_path / "one.tsv",
        index_windows=0,
    )
    assert one_job, "bikes.mp4 and its copy share footage"
    assert (results / "reuse.tsv").read_bytes() == (tmp_path / "one.tsv").read_bytes()
    assert load_tsv(results / "reuse.tsv")
    assert not (results / "reuse").exists() or not list((results / "reuse").iterdir())
    # Another index_windows that the folder's windows still pass: nothing.
    configure(1)
    assert logged_jobs(snakemake(tmp_path, "-n", "results/reuse.js").stdout) == []
    configure(50_000)
    output = snakemake(tmp_path, "-n", "results/reuse.js").stdout
    planned = {rule for rule, _ in logged_jobs(output)}
    assert "reuse" in planned and not SPLIT & planned, planned
