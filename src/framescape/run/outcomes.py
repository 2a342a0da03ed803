"""How each movie ended: the reasons its jobs failed (their ``<log>.error``
files), the movies left out of the folder stages, and, once a run ends, its
row of ``movies.tsv`` and the index's list of failed movies."""


import json
import os
import sys
from pathlib import Path
from typing import NamedTuple

from framescape.common import load_json, save_text
from framescape.run.movies import movie_row, movies_table

NOT_PROBED = "not read: the run stopped before this movie was probed"


def read_reason(path, file_name=None):
    """The reason a ``<log>.error`` file holds (``common.run_step``), without
    the movie's ``file_name`` it may start with."""
    reason = Path(path).read_text(encoding="utf-8").strip()
    return reason.removeprefix(f"{file_name}: ") if file_name else reason


def failure_reasons(movie_folder, file_name, newest_target, jobs=None):
    """Why jobs of one movie failed, from the ``<log>.error`` files they left
    (``common.run_step``), oldest first, without the file name they start with.

    A reason older than ``newest_target`` (ns since the epoch, or ``None`` when a
    target is missing) is of a job the movie no longer needs: its outputs were
    all made again since. ``jobs``: only those rules' reasons.
    """
    reasons = []
    errors = [
        (path.stat().st_mtime_ns, path.name, path)
        for path in Path(movie_folder, "logs").glob("*.error")
        if jobs is None or path.stem in jobs
    ]
    for made, _, path in sorted(errors):
        if newest_target is not None and made < newest_target:
            continue
        reason = read_reason(path, file_name)
        if reason not in reasons:
            reasons.append(reason)
    return reasons


# The jobs that make a movie's frames: a movie whose frames could not be made
# is left out of the folder map.
FRAME_JOBS = ("probe_movie", "extract_frames")
# run_step's outcome of a job cut off (Ctrl-C, kill -9): tried again, not failed.
UNFINISHED = "did not finish"


def failed_movies(results, movies):
    """The movies whose frames could not be made and that have not changed
    since: ``{movie_id: reason}``, read when a run is planned.

    A movie counts as failed when it has no ``frames.npy`` and the job that
    makes its frames or reads its header (:data:`FRAME_JOBS`) left a reason
    newer than the movie's file (a file replaced since is tried again; a job
    that was cut off, :data:`UNFINISHED`, too). The folder map leaves such
    movies out, so that one bad file does not keep it from the others
    (Snakemake cannot leave out an input that fails within the run: the first
    run after a movie fails builds the folder map without it).
    """
    failed = {}
    for movie, info in movies.items():
        folder = Path(results, movie)
        if (folder / "frames.npy").exists():
            continue
        changed = int(info["stamp"].split(":")[1])
        reasons = [
            reason
            for reason in failure_reasons(folder, info["file"], changed, FRAME_JOBS)
            if not reason.startswith(UNFINISHED)
        ]
        if reasons:
            failed[movie] = "; ".join(reasons)
    return failed


# The per-movie jobs of each folder stage, where each one's reason lies (under
# the results folder) and the movie's file it is made from: a reason newer than
# that file is of the movie as it is now.
STAGE_JOBS = {
    "collection": (
        ("collection/logs/collection_frames_{movie}.error", "frames.npy"),
    ),
    "reuse": (("logs/reuse_descriptors_{movie}.error", "probe.json"),),
    "shots": (
        ("logs/shot_features_{movie}.error", "probe.json"),
        ("logs/shot_list_{movie}.error", "shots/times.npy"),
        ("logs/shot_exports_{movie}.error", "shots.tsv"),
        ("logs/plot_barcode_{movie}.error", "shots.tsv"),
        ("logs/plot_cutting_rate_{movie}.error", "shots.tsv"),
    ),
}


def stage_failures(results, movies, stage):
    """The movies whose own job for a folder stage (:data:`STAGE_JOBS`) failed
    since their input was made: ``{movie_id: reason}``, read when a run is
    planned. The stage leaves them out (so that it does not wait for them on
    every run) and the pages name them; a movie made again is tried again."""
    failed = {}
    for movie in movies:
        for pattern, input_name in STAGE_JOBS[stage]:
            reason_file = Path(results, pattern.format(movie=movie))
            made = Path(results, movie, input_name)
            if not reason_file.is_file() or not made.exists():
                continue
            if reason_file.stat().st_mtime_ns < made.stat().st_mtime_ns:
                continue
            # As failed_movies does: the reason without the file name it starts with.
            reason = read_reason(reason_file, movies[movie]["file"])
            if not reason.startswith(UNFINISHED):
                failed[movie] = reason
                break
    return failed


def left_out_movies(results, movies, frames_failed, stages):
    """``{stage: {movie_id: reason}}``: what each folder stage leaves out, the
    movies whose frames could not be made (``frames_failed``) and those whose
    own job for the stage failed (:func:`stage_failures`)."""
    return {
        stage: {**frames_failed, **stage_failures(results, movies, stage)}
        for stage in stages
    }


# The movies the folder stages leave out, as the run's own process planned them:
# a job on a cluster node reads the Snakefile again, when the files the choice
# is made from may have changed (its movies' frames made since).
PLAN_VARIABLE = "FRAMESCAPE_LEFT_OUT"


def planned_left_out(results, movies, stages):
    """``(failed, left_out)``: :func:`failed_movies` and
    :func:`left_out_movies`, as the run's own process found them when it
    planned the run (handed to its jobs through the environment)."""
    folder = str(Path(results).resolve())
    planned = json.loads(os.environ.get(PLAN_VARIABLE) or "{}")
    if planned.get("results") == folder:
        return planned["failed"], planned["left_out"]
    failed = failed_movies(results, movies)
    left_out = left_out_movies(results, movies, failed, stages)
    os.environ[PLAN_VARIABLE] = json.dumps(
        {"results": folder, "failed": failed, "left_out": left_out}
    )
    return failed, left_out


KILLED = "killed on every try (out of memory or time?)"


def mark_killed(results, movies, since):
    """At the end of a run that was not stopped by the user: the reasons
    :data:`UNFINISHED` written since ``since`` (ns) are of jobs killed while
    the run went on (for memory or time, on every try it gave them), so they
    count as failures: the next run leaves the movie out of the folder stages
    instead of waiting for it again. Returns the files rewritten."""
    candidates = [
        path
        for movie in movies
        for path in Path(results, movie, "logs").glob("*.error")
        if path.stem in FRAME_JOBS
    ]
    for jobs in STAGE_JOBS.values():
        candidates += [
            Path(results, pattern.format(movie=movie))
            for pattern, _ in jobs
            for movie in movies
        ]
    marked = []
    for path in candidates:
        if not path.is_file() or path.stat().st_mtime_ns < since:
            continue
        reason = read_reason(path)
        if reason.startswith(UNFINISHED):
            _, _, where = reason.partition(": see ")
            save_text(path, f"{KILLED}: see {where}" if where else KILLED)
            marked.append(path)
    return marked


def this_runs_reasons(paths, since):
    """The reasons among ``paths`` written since ``since`` (ns): a failed run
    reports its own jobs' reasons, never those of earlier runs (of movies
    removed since, say)."""
    return [path for path in sorted(paths) if path.stat().st_mtime_ns >= since]


def outcome_row(results, movie, file_name, fps, targets):
    """``movies.tsv`` row of one movie after a run: the probe's facts, and as
    status the failed jobs' reasons, else the probe's outcome.

    Parameters
    ----------
    targets : list of path
        What a complete run makes of this movie.
    """
    probe = Path(results, movie, "probe.json")
    if probe.is_file():
        row = movie_row(movie, file_name, load_json(probe), fps)
    else:
        row = {"movie": movie, "file": file_name, "status": NOT_PROBED}
    made = [
        Path(target).stat().st_mtime_ns for target in targets if Path(target).exists()
    ]
    newest = max(made) if made and len(made) == len(targets) else None
    reasons = failure_reasons(Path(results, movie), file_name, newest)
    if reasons:
        row["status"] = "; ".join(reasons)
    return row


class Outcomes(NamedTuple):
    """:func:`write_outcomes`' result: ``rows``, ``movies.tsv``'s rows after
    the run; ``changed``, whether it was rewritten."""

    rows: list
    changed: bool


def targets_by_movie(results, targets):
    """``{movie id: [its targets]}``: ``<results>/<id>.*`` and
    ``<results>/<id>/…`` are the movie's (other files under the ids of their
    first part)."""
    by_movie = {}
    for target in targets:
        first = Path(target).relative_to(results).parts[0]
        by_movie.setdefault(first.split(".")[0], []).append(target)
    return by_movie


def write_outcomes(results, movies, settings, targets):
    """After a run (Snakemake's ``onsuccess``/``onerror``): ``movies.tsv`` with
    each movie's real outcome.

    The rule ``list_movies`` makes it only from the probes; this runs in the
    main Snakemake process (never in a job, locally or on a cluster), once all
    jobs have ended. The file is rewritten only when its text changes, so a
    fully successful run keeps what the rule made. The caller then writes
    ``index.html`` when :func:`index_due` (:func:`framescape.pages.index.
    outcomes_index`), and reports the failed movies (:func:`report_failures`).

    Parameters
    ----------
    results : path
        The results folder.
    movies : dict
        ``{movie_id: {"file": name, …}}`` (``find_movies``).
    settings : dict
        ``{movie_id: {"fps": frames per second, …}}`` (``config.movie_settings``),
        for the expected frame counts.
    targets : list of path
        Everything a complete run makes (the default target's files); a movie's
        are ``<results>/<id>.*`` and ``<results>/<id>/…``.

    Returns
    -------
    Outcomes or None
        None, and nothing written, when ``movies.tsv`` does not exist yet (a
        run that did not ask for it).
    """
    by_movie = targets_by_movie(results, targets)
    rows = [
        outcome_row(
            results,
            movie,
            info["file"],
            settings[movie]["fps"],
            by_movie.get(movie, []),
        )
        for movie, info in movies.items()
    ]
    movies_tsv = Path(results, "movies.tsv")
    if not movies_tsv.is_file():
        # list_movies has not run (a run for other targets): nothing to correct,
        # and no rule's output is made outside its rule.
        return None
    text = movies_table(rows)
    changed = movies_tsv.read_bytes() != text.encode()
    if changed:
        save_text(movies_tsv, text)
    return Outcomes(rows, changed)


def index_due(outcomes, run_failed, assets):
    """Whether ``index.html`` is to be written again after the run: the
    outcomes (:func:`write_outcomes`) changed ``movies.tsv``, or a job failed
    (``make_index`` cannot run while a movie has no map); never before the
    assets (``make_index``'s ``assets`` input, the viewer's shared files)
    exist."""
    return (
        outcomes is not None
        and (outcomes.changed or run_failed)
        and Path(assets).is_dir()
    )


def report_failures(results, outcomes):
    """One line on stderr when movies failed, naming the files that say why."""
    if outcomes is None:
        return
    failed = [row for row in outcomes.rows if row["status"] != "ok"]
    if failed:
        print(
            f"framescape: {len(failed)} of {len(outcomes.rows)} movies failed; "
            f"{Path(results, 'movies.tsv')} and {Path(results, 'index.html')} "
            "give the reasons",
            file=sys.stderr,
        )
