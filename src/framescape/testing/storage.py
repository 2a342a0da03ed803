"""The workflow as the cloud executors run it, on this machine: no shared file
system (``--shared-fs-usage none``), every file moved through Snakemake's
``fs`` storage plugin (rsync into a folder that stands for the bucket), and
each job in an empty folder of its own, with a clean environment, where
Snakemake deploys the workflow's files and fetches the job's declared inputs.

A job that reads anything else by a relative path (a sibling file, the movies
folder, a path built from the results folder) fails there, as it would on
Kubernetes. Absolute paths still reach this machine's files: the folder is
not a container.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from framescape.testing import REPO, need

# Each job, as the executor hands it over: its rule, the memory it was
# submitted with (what a Kubernetes pod would request) and whether Snakemake's
# own process had set the handover (framescape.run.handover), appended to
# submitted.tsv; then the job script, the last argument, in an empty folder
# under the script's own, with only the variables a container image would set
# (Snakemake exports the workflow's envvars in the script).
JOB_SCRIPT = """#!/bin/sh
nodes=$(dirname "$0")
handed=${FRAMESCAPE_HANDOVER:+handed}
printf '%s\\t%s\\t%s\\n' "$1" "$2" "${handed:-none}" >> "$nodes/submitted.tsv"
folder=$(mktemp -d "$nodes/job.XXXXXX") || exit 1
cd "$folder" || exit 1
if [ -n "$PYTHONPATH" ]; then
    env -i PATH="$PATH" HOME="$HOME" PYTHONPATH="$PYTHONPATH" sh "$3"
else
    env -i PATH="$PATH" HOME="$HOME" sh "$3"
fi
status=$?
[ "$status" = 0 ] && rm -rf "$folder"
exit "$status"
"""


def clone(folder, untracked=("movies",)):
    """``folder`` made a user's clone of framescape: the files git tracks in
    :data:`~framescape.testing.REPO`, as they are in its work tree, in a git
    index of its own (Snakemake deploys to each job the files git lists), but
    for those under ``untracked``: there, as a user's own movies are, but not
    in git, so that no job finds them. A file not yet added to git (a new rule
    file) is missing from the clone: add it first."""
    folder = Path(folder)
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=False
    )
    need(listed.returncode == 0, f"a git checkout of framescape ({REPO})")
    for name in filter(None, listed.stdout.split(b"\0")):
        source, target = REPO / os.fsdecode(name), folder / os.fsdecode(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        elif source.is_file():
            shutil.copy2(source, target)
    subprocess.run(["git", "init", "-q"], cwd=folder, check=True)
    subprocess.run(["git", "add", "-A"], cwd=folder, check=True)
    for name in untracked:
        subprocess.run(
            ["git", "rm", "-r", "-q", "--cached", name], cwd=folder, check=True
        )
    return folder


def storage_command(storage, nodes, jobs=2, shared_fs_usage="none"):
    """The ``snakemake`` command line of a run from a clone (its working
    folder) with the results in the folder ``storage``; ``nodes``: where the
    jobs' own folders are made, and ``submitted.tsv`` (:func:`submitted`).
    ``shared_fs_usage`` None: Snakemake's default (as the cloud executors are
    called, which imply none only once the Snakefile is read)."""
    job_script = Path(nodes) / "job.sh"
    job_script.write_text(JOB_SCRIPT)
    return [
        sys.executable,
        "-m",
        "snakemake",
        "--executor",
        "cluster-sync",
        # Quoted: a resource Snakemake could not evaluate is the text <TBD>.
        "--cluster-sync-submit-cmd",
        f"sh {job_script} {{rule}} '{{resources.mem_mb}}'",
        "--jobs",
        str(jobs),
        # A job ends when its process does: asked every second, not every ten.
        "--seconds-between-status-checks",
        "1",
        *(["--shared-fs-usage", shared_fs_usage] if shared_fs_usage else []),
        # What the cloud executors do by themselves: the clone's files to each job.
        "--job-deploy-sources",
        "--default-storage-provider",
        "fs",
        "--default-storage-prefix",
        str(storage),
    ]


def run_without_shared_fs(
    workdir, storage, nodes, *args, jobs=2, shared_fs_usage="none", timeout=1800
):
    """Run the workflow from the clone ``workdir`` with no shared file system
    (``args`` after the command line, e.g. ``--dry-run``; the others:
    :func:`storage_command`); returns the CompletedProcess, an AssertionError
    with the ends of its output when it fails."""
    # Jobs start "python" (Snakemake assumes no shared software either): this one.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    result = subprocess.run(
        [*storage_command(storage, nodes, jobs, shared_fs_usage), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=workdir,
        env={**os.environ, "PATH": path},
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"snakemake without a shared file system failed ({result.returncode}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
        )
    return result


def submitted(nodes):
    """``[(rule, mem_mb as the executor was given it, "handed" or "none"),
    ...]`` of every job the run submitted (:data:`JOB_SCRIPT`)."""
    lines = (Path(nodes) / "submitted.tsv").read_text().splitlines()
    return [tuple(line.split("\t")) for line in lines]


def reuse_block_mb(results, movies):
    """MB each job of the reuse stage past reuse.index_windows asks for
    (:func:`framescape.resources.job_mb`), from
    the descriptors a local run made (``results/<movie>/reuse/descriptors.npz``
    of each of ``movies``, the folder's): ``{rule: MB}`` of reuse_index, reuse_search (block
    0, the only one of a small folder) and reuse, which joins their pairs. A
    run where the files are elsewhere (a storage, a cluster) must ask for the
    same, from their sizes."""
    import numpy as np

    from framescape.resources import job_mb
    from framescape.reuse import parameters, resources

    windows = []
    for movie in movies:
        with np.load(Path(results) / movie / "reuse" / "descriptors.npz") as data:
            windows.append(len(data["times"]))
    total = sum(windows)
    rows = min(parameters.SEARCH_ROWS, parameters.search_rows(windows))
    assert parameters.search_blocks(windows) == 1, windows
    sizes = {
        "reuse_index": resources.index_memory(total),
        "reuse_search": resources.search_memory(total, rows),
        "reuse": resources.stretches_memory(total),
    }
    return {rule: job_mb(size, len(movies)) for rule, size in sizes.items()}
