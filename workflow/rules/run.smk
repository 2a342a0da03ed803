# The run's lifecycle, in Snakemake's own process: the results folder's lock
# while the run lasts (onstart), then movies.tsv and index.html with each
# movie's real outcome and the reason a job of it failed, and the folder
# stages' status for the pages (onsuccess, onerror; never on dry runs). Not
# for results in a storage (RESULTS_IN_STORAGE): this process has no folder to
# lock or read, and a folder of that name here is another run's.

import signal  # noqa: E402
import time  # noqa: E402

from framescape.run.folder_status import (  # noqa: E402
    folder_status,
    read_folder_status,
    running_status,
    status_lines,
    write_folder_status,
)
from framescape.run.lock import run_started, start_run  # noqa: E402
from framescape.run.outcomes import (  # noqa: E402
    index_due,
    left_out_movies,
    mark_killed,
    report_failures,
    this_runs_reasons,
    write_outcomes,
)

# This run: when it started (ns), whether the user stopped it (Ctrl-C), and
# the folder stages' status before it.
THIS_RUN = {"started": time.time_ns(), "interrupted": False, "earlier": {}}


onstart:
    if not RESULTS_IN_STORAGE:
        hold_results_lock()
        note_interrupts()
        THIS_RUN["earlier"] = read_folder_status(RESULTS)
        write_folder_status(
            RESULTS, running_status(folder_stages(), left_out_files())
        )


onsuccess:
    if not RESULTS_IN_STORAGE:
        record_outcomes(run_failed=False)


onerror:
    if not RESULTS_IN_STORAGE:
        record_outcomes(run_failed=True)


def hold_results_lock():
    """Lock the results folder for this run's lifetime, once no job of an
    earlier run still writes there; sweep what killed jobs left
    (framescape.run.lock)."""
    global RESULTS_LOCK
    try:
        RESULTS_LOCK = start_run(RESULTS)
    except FramescapeError as error:
        stop(error)
    THIS_RUN["started"] = run_started(RESULTS)


def note_interrupts():
    """Remember a Ctrl-C: the jobs it cuts off are tried again, while a job
    killed as the run went on (memory, time) is a failure (mark_killed)."""
    previous = signal.getsignal(signal.SIGINT)

    def noted(signum, frame):
        THIS_RUN["interrupted"] = True
        if callable(previous):
            previous(signum, frame)
        else:
            raise KeyboardInterrupt

    # A run started with SIGINT ignored (nohup, a background job) keeps it so.
    if previous is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, noted)


def folder_stages():
    """{stage: {movie id: file name}} of the folder stages this run makes."""
    stages = {}
    if COLLECTION_ENABLED:
        stages["collection"] = {m: MOVIES[m]["file"] for m in COLLECTION_MOVIES}
    if REUSE["enabled"]:
        stages["reuse"] = {m: MOVIES[m]["file"] for m in REUSE_MOVIES}
    if SHOTS["enabled"]:
        stages["shots"] = {m: MOVIES[m]["file"] for m in SHOTS_MOVIES}
    return stages


def left_out_files():
    """{stage: [{"name", "reason"}]} of the movies each stage leaves out."""
    return {
        stage: [
            {"name": MOVIES[movie]["file"], "reason": reason}
            for movie, reason in movies.items()
        ]
        for stage, movies in LEFT_OUT.items()
    }


def stage_of(job):
    """The folder stage a job belongs to, or None: the folder map's own rules
    and every job of its movie id, the reuse rules and the shot rules; not the jobs of movies
    the stage leaves out (tried again, but nothing of the stage waits on them)."""
    movie = job.wildcards_dict.get("movie")
    if job.rule.name.startswith("collection_") or movie == COLLECTION:
        stage = "collection"
    elif job.rule.name.startswith("reuse"):
        stage = "reuse"
    elif job.rule.name.startswith("shot") or job.rule.name in SHOT_PICTURES:
        stage = "shots"
    else:
        return None
    return None if movie in LEFT_OUT[stage] else stage


def folder_jobs():
    """From Snakemake's plan of this run: which folder stages it looked at, and
    {stage: why} of those it was to make anew but did not finish (its movies,
    settings or code changed since; a job failed or was never reached)."""
    dag = workflow.dag
    looked_at = {stage_of(job) for job in dag.jobs} - {None}
    unfinished = {}
    for job in dag.needrun_jobs():
        stage = stage_of(job)
        if stage and stage not in unfinished:
            # Snakemake's reason, without the files it names.
            reason = str(dag.reason(job)).split(":")[0].strip().lower()
            unfinished[stage] = f"this run was to make it anew ({reason}) but did not"
    return looked_at, unfinished


def record_outcomes(run_failed):
    """movies.tsv and index.html with each movie's last step's outcome, and
    folder_status.js for the pages (the Snakefile's onsuccess and onerror)."""
    if run_failed and not THIS_RUN["interrupted"]:
        mark_killed(RESULTS, MOVIES, THIS_RUN["started"])
    outcomes = write_outcomes(RESULTS, MOVIES, SETTINGS, rules.all.input)
    looked_at, unfinished = folder_jobs()
    earlier = {
        stage: status
        for stage, status in THIS_RUN["earlier"].items()
        if stage not in looked_at
    }
    status = folder_status(
        RESULTS, folder_stages(), left_out_files(), unfinished, earlier
    )
    write_folder_status(RESULTS, status)
    assets = rules.make_index.input.assets
    if index_due(outcomes, run_failed, assets):
        # Imported here: planning a run never loads the pages' code.
        from framescape.pages.index import outcomes_index

        outcomes_index(
            RESULTS,
            MOVIES,
            assets,
            collection=collection_html(),
            reuse=reuse_table(),
            shots=shot_movies(),
        )
    report_failures(RESULTS, outcomes)
    for line in status_lines(status):
        print(line, file=sys.stderr)
    if run_failed and (COLLECTION_ENABLED or REUSE["enabled"] or SHOTS["enabled"]):
        report_folder_failures()


def report_folder_failures():
    """After a failed run: the folder stages' own jobs that failed in it, and
    whether the next run leaves a movie out that kept them waiting."""
    now = left_out_movies(
        RESULTS, MOVIES, failed_movies(RESULTS, MOVIES), tuple(LEFT_OUT)
    )
    if any(set(now[stage]) - set(LEFT_OUT[stage]) for stage in LEFT_OUT):
        print(
            "framescape: the folder's stages wait for every movie they were "
            "planned with; run the same command again to make them without the "
            "failed ones",
            file=sys.stderr,
        )
    stages = {
        "the folder map": Path(RESULTS, COLLECTION, "logs").glob("*.error"),
        "the reuse stage": Path(RESULTS, "logs").glob("reuse*.error"),
        "the shot stage": [
            path
            for pattern in ("shot*.error", *(f"{r}_*.error" for r in SHOT_PICTURES))
            for path in Path(RESULTS, "logs").glob(pattern)
        ],
    }
    for stage, reasons in stages.items():
        for reason in this_runs_reasons(reasons, THIS_RUN["started"]):
            print(
                f"framescape: {stage}'s job {reason.stem} failed: "
                f"{reason.read_text(encoding='utf-8').strip()}",
                file=sys.stderr,
            )
