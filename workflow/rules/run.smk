# The run's lifecycle, in Snakemake's own process: the results folder's lock
# while the run lasts (onstart), then movies.tsv and index.html with each
# movie's real outcome and the reason a job of it failed (onsuccess, onerror;
# never on dry runs).

from framescape.run.lock import start_run  # noqa: E402
from framescape.run.outcomes import (  # noqa: E402
    index_due,
    report_failures,
    write_outcomes,
)


onstart:
    hold_results_lock()


onsuccess:
    record_outcomes(run_failed=False)


onerror:
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


def record_outcomes(run_failed):
    """movies.tsv and index.html with each movie's last step's outcome (the
    Snakefile's onsuccess and onerror)."""
    outcomes = write_outcomes(RESULTS, MOVIES, SETTINGS, rules.all.input)
    assets = rules.make_index.input.assets
    if index_due(outcomes, run_failed, assets):
        # Imported here: planning a run never loads the pages' code.
        from framescape.pages.index import outcomes_index

        outcomes_index(
            RESULTS, MOVIES, assets, collection=collection_html(), reuse=reuse_table()
        )
    report_failures(RESULTS, outcomes)
    if not (run_failed and (COLLECTION_ENABLED or REUSE["enabled"])):
        return
    newly_failed = set(failed_movies(RESULTS, MOVIES)) - set(FAILED_MOVIES)
    if newly_failed:
        waiting = [
            name
            for name, enabled in (
                ("its map", COLLECTION_ENABLED),
                ("reuse.tsv", REUSE["enabled"]),
            )
            if enabled
        ]
        print(
            f"framescape: the folder's stages ({', '.join(waiting)}) wait for every "
            "movie they were planned with; run the same command again to make "
            "them without the failed ones",
            file=sys.stderr,
        )
    stages = {
        "the folder map": Path(RESULTS, COLLECTION, "logs").glob("*.error"),
        "the reuse stage": Path(RESULTS, "logs").glob("reuse*.error"),
    }
    for stage, reasons in stages.items():
        for reason in sorted(reasons):
            print(
                f"framescape: {stage}'s job {reason.stem} failed: "
                f"{reason.read_text(encoding='utf-8').strip()}",
                file=sys.stderr,
            )
