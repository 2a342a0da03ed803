"""How each movie ended: the reasons its jobs failed (their ``<log>.error``
files), the movies left out of the folder stages, and, once a run ends, its
row of ``movies.tsv`` and the index's list of failed movies."""


import sys
from pathlib import Path
from typing import NamedTuple

from framescape.common import load_json, save_text
from framescape.run.movies import movie_row, movies_table

NOT_PROBED = "not read: the run stopped before this movie was probed"


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
        reason = path.read_text(encoding="utf-8").strip()
        reason = reason.removeprefix(f"{file_name}: ")
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
