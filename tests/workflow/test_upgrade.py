"""What an upgrade of framescape reruns, by real dry runs against the shared run:
a copy of the workflow and package with one kind of edit, planned over the
run's results."""

import os
import shutil
import subprocess

import pytest

from framescape.testing import REPO, logged_jobs, snakemake_command

pytestmark = pytest.mark.workflow

# What a user's checkout holds of framescape; mtimes kept (copy2), as Snakemake
# reruns a script rule whose script is newer than its outputs.
CHECKOUT = ("Snakefile", "workflow", "scripts", "src", "envs", "profiles")

# Edits that change no result: docstrings, comments, log lines, estimates of
# memory and time, the memory guard.
NO_RESULT_CHANGES = [
    ("distances/kernels.py", '"""', '"""Reworded. '),
    ("embed/neighbours.py", "\ndef ", "\n# A comment.\ndef "),
    ("distances/jobs.py", "log.info(", "log.info('reworded'); log.info("),
    ("distances/resources.py", '"embed_umap": (450 * MB,', '"embed_umap": (500 * MB,'),
    ("graph/resources.py", "GRAPH_EDGE_BYTES = 120", "GRAPH_EDGE_BYTES = 160"),
    ("collection/resources.py", "ROW_BYTES = 2048", "ROW_BYTES = 4096"),
    ("run/guard.py", "\ndef ", "\ndef unused():\n    return 1\n\n\ndef "),
]


@pytest.fixture(scope="module")
def checkout(workflow_run, tmp_path_factory):
    """A copy of the repository's workflow and package, as an upgrade brings it."""
    copy = tmp_path_factory.mktemp("upgrade")
    for name in CHECKOUT:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(
                source,
                copy / name,
                symlinks=True,
                ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
            )
        else:
            shutil.copy2(source, copy / name)
    return copy


def upgrade_plan(workdir, checkout, edits):
    """The jobs a dry run plans over ``workdir``'s results with ``checkout``'s
    workflow and package after ``edits`` ((path in the package, old, new)):
    ``{rule: [wildcards, ...]}``."""
    package = checkout / "src" / "framescape"
    originals = {}
    for path, old, new in edits:
        file = package / path
        text = originals.setdefault(file, file.read_text())
        assert old in file.read_text(), f"{old!r} not in {path}"
        file.write_text(file.read_text().replace(old, new, 1))
    try:
        command = snakemake_command(workdir, "--dry-run")
        command[command.index("--snakefile") + 1] = str(checkout / "Snakefile")
        result = subprocess.run(
            command,
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=600,
            env=dict(os.environ, PYTHONPATH=str(checkout / "src")),
            check=False,
        )
    finally:
        for file, text in originals.items():
            file.write_text(text)
    assert result.returncode == 0, result.stderr[-3000:]
    jobs = {}
    for rule, wildcards in logged_jobs(result.stdout + result.stderr):
        jobs.setdefault(rule, []).append(wildcards)
    return jobs


def test_the_checkout_as_it_is_reruns_nothing(workflow_run, checkout):
    assert upgrade_plan(workflow_run[0], checkout, []) == {}


def test_docstrings_comments_logs_and_estimates_rerun_nothing(workflow_run, checkout):
    assert upgrade_plan(workflow_run[0], checkout, NO_RESULT_CHANGES) == {}


def test_a_parameter_of_the_plots_reruns_the_plots_only(workflow_run, checkout):
    workdir, _ = workflow_run
    movies = len(list((workdir / "movies").iterdir()))
    edit = ("pages/plots.py", "THUMBNAIL_SIZE = 56", "THUMBNAIL_SIZE = 48")
    jobs = upgrade_plan(workdir, checkout, [edit])
    # The viewers show the heatmaps.
    assert {rule: len(wildcards) for rule, wildcards in jobs.items()} == {
        "plot_maps": movies,
        "plot_distances": 2 * movies,
        "make_viewer": movies,
        "all": 1,
    }


def test_a_parameter_of_the_graph_reruns_the_folder_map_from_its_graph(
    workflow_run, checkout
):
    """The folder map takes the neighbour-graph path; no movie of the run does.
    The plots rerun too (their heatmaps read the graph's reduction), and the
    viewers that show them."""
    edit = ("graph/parameters.py", "RECALL_TARGET = 0.995", "RECALL_TARGET = 0.99")
    jobs = upgrade_plan(workflow_run[0], checkout, [edit])
    assert {"graph_candidates", "graph_rerank", "neighbour_graph"} <= set(jobs)
    assert {"collection_json", "collection_page"} <= set(jobs)
    computed = {
        wildcards
        for rule, planned in jobs.items()
        if rule not in {"all", "plot_maps", "plot_distances", "make_viewer"}
        for wildcards in planned
        if "movie=" in wildcards
    }
    assert computed and all("movie=collection" in w for w in computed), sorted(
        computed
    )
    assert not {"extract_frames", "collection_frames", "collection_join"} & set(jobs)
