"""Whether the folder stages' outputs (the folder map, the reused footage, the
folder's shot table) tell the truth about the movies as they are now, and which
movies each stage left out: ``results/folder_status.js``, which the index, the
viewers and the folder page read before they show anything of those stages.

A folder output is current when it exists and is newer than every input it
was made from of every movie the stage takes now (Snakemake's own rule for a
rerun, read from the same modification times). A movie replaced, given another
``fps``, or added since, while a broken movie in the same run kept the folder
jobs from starting, leaves the previous run's output stale: the pages then say
so, and why, instead of drawing old stretches or points over new pictures.

While a run lasts, the file says so: a run that is killed never leaves a
"current" it did not check.
"""

import json
import time
from pathlib import Path
from typing import NamedTuple

from framescape.common import save_text

STATUS_FILE = "folder_status.js"


class Step(NamedTuple):
    """One output of a folder stage (under the results folder) and the files
    of every movie it is made from (under ``results/<movie>/``, upstream
    files included: a movie's frames made again before its folder job ran)."""

    output: str
    movie_inputs: tuple


# Each stage's outputs in the order they are made: each is also made after
# the one before it.
STAGES = {
    "collection": (
        Step(
            "collection/frames.tsv",
            ("frames.npy", "frames.tsv", "collection/frames.npy"),
        ),
        Step("collection.json", ()),
        Step("collection.html", ()),
    ),
    # reuse.tsv's times are seconds of the movie file (its probe and
    # descriptors change with the file); reuse.js places them on the frames.
    "reuse": (
        Step("reuse.tsv", ("probe.json", "reuse/descriptors.npz")),
        Step("reuse.js", ("frames.tsv",)),
    ),
    # shots.tsv's times are of the movie file, as reuse.tsv's.
    "shots": (Step("shots.tsv", ("probe.json", "shots.tsv")),),
}


def modified(path):
    """Modification time in ns, ``None`` when missing."""
    try:
        return Path(path).stat().st_mtime_ns
    except FileNotFoundError:
        return None


def stage_state(results, steps, movies):
    """``(state, why)`` of one stage's outputs: ``"current"``, ``"missing"`` (no
    output yet) or ``"stale"``, ``why`` naming the movies whose files changed
    or were added since (``movies``: ``{id: file name}`` the stage takes now)."""
    made = [modified(Path(results, step.output)) for step in steps]
    if None in made:
        return "missing", "not made yet"
    if made != sorted(made):
        return "stale", "made from an earlier run's files"
    changed, added = {}, {}
    for movie, file_name in movies.items():
        for step, output_made in zip(steps, made):
            times = [modified(Path(results, movie, name)) for name in step.movie_inputs]
            if None in times:
                added[movie] = file_name
            elif times and max(times) > output_made:
                changed[movie] = file_name
    reasons = []
    if changed:
        reasons.append(
            f"made before these movies changed: {', '.join(changed.values())}"
        )
    if added:
        reasons.append(f"made without: {', '.join(added.values())}")
    if reasons:
        return "stale", "; ".join(reasons)
    return "current", ""


def folder_status(results, stages, left_out, unfinished=None, earlier=None):
    """The status of every enabled folder stage at the end of a run.

    Parameters
    ----------
    results : path
    stages : dict
        ``{stage name: {movie id: file name}}``, the movies each enabled stage
        takes in this run (a stage not named is disabled).
    left_out : dict
        ``{stage name: [{"name": file name, "reason": why}]}``, the movies a
        stage leaves out.
    unfinished : dict, optional
        ``{stage name: why}``: stages whose jobs the run was to run again (its
        movies, settings or code changed: whatever Snakemake reruns for) and
        that did not finish; their outputs are stale whatever their times.
    earlier : dict, optional
        The status before the run, kept for the stages the run did not look at
        (a run of other targets): ``{stage name: status}``.
    """
    unfinished = unfinished or {}
    status = {}
    for name, movies in stages.items():
        if earlier is not None and name in earlier:
            status[name] = earlier[name]
            continue
        state, why = stage_state(results, STAGES[name], movies)
        if state != "stale" and name in unfinished:
            state, why = "stale", unfinished[name]
        status[name] = {
            "state": state,
            "why": why,
            "left_out": left_out.get(name, []),
        }
    return status


def running_status(stages, left_out):
    """What the file says while a run lasts: nothing of the folder stages is
    shown until it ends (a run killed on the way leaves it so)."""
    started = time.strftime("%Y-%m-%d %H:%M")
    why = f"a run that started at {started} has not finished"
    return {
        name: {
            "state": "running",
            "why": why,
            "left_out": left_out.get(name, []),
        }
        for name in stages
    }


def read_folder_status(results):
    """The status ``results/folder_status.js`` holds (``{}`` without one)."""
    path = Path(results, STATUS_FILE)
    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8").strip()
    return json.loads(text.removeprefix("framescapeFolder.set(").removesuffix(");"))


def write_folder_status(results, status):
    """``results/folder_status.js``: hands ``status`` to the pages
    (``framescapeFolder.set``, assets/folder.js)."""
    text = json.dumps(status, ensure_ascii=False, sort_keys=True)
    save_text(Path(results, STATUS_FILE), f"framescapeFolder.set({text});\n")


def status_lines(status):
    """The run's last lines about the folder stages: what is out of date and
    why, and which movies each stage left out."""
    labels = {
        "collection": "the folder map",
        "reuse": "reused footage",
        "shots": "the folder's shot table",
    }
    lines = []
    for name, stage in status.items():
        if stage["state"] == "stale":
            lines.append(
                f"framescape: {labels[name]} is out of date ({stage['why']}): "
                "the pages say so until a run makes it again"
            )
        for movie in stage["left_out"]:
            lines.append(
                f"framescape: {labels[name]} leaves out {movie['name']}: "
                f"{movie['reason']}"
            )
    return lines
