# Config, the movie table and input functions: the only place that reads config.

import fcntl
import os
import sys
from pathlib import Path

# The step code is the framescape package under src/: installed by
# `pip install -e .`, else found here (a Snakemake without the package). Jobs
# reach it the same way, or through scripts/framescape (a link to it) in a
# --sdm conda environment. Only that package joins the path.
SOURCE = str(Path(workflow.basedir) / "src")
if SOURCE not in sys.path:
    sys.path.append(SOURCE)

# Jobs inherit it: OpenBLAS's idle threads give the cores back to numba's sooner
# (hsl distances of 365 frames: 0.45 s instead of 0.54 s on 2 cores, README).
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

# Only light modules: planning a run never imports numba, bokeh, matplotlib,
# umap or scikit-learn (tests/test_workflow.py checks it).
from framescape.common import FramescapeError, load_json  # noqa: E402
from framescape import registry  # noqa: E402
from framescape.run.config import (
    collection_config,
    graph_neighbours,
    method_options,
    movie_settings,
    validate_config,
)  # noqa: E402
from framescape.run.movies import broken_links, find_movies, link_movie  # noqa: E402
from framescape.run.outcomes import (
    failed_movies,
    index_due,
    report_failures,
    write_outcomes,
)  # noqa: E402
from framescape.frames.count import read_frame_count, write_frame_count  # noqa: E402
from framescape.distances.tiles import tile_count, tile_pairs  # noqa: E402
from framescape.run.digest import code_digest  # noqa: E402


def stop(message):
    """End the run before any job starts, with one line."""
    sys.exit(f"framescape: error: {message}")


try:
    validate_config(
        config, Path(workflow.basedir) / "workflow/schemas/config.schema.yaml"
    )
    MOVIES = find_movies(config["movies"], config["extensions"])
    BROKEN_LINKS = broken_links(config["movies"], config["extensions"])
    SETTINGS, UNKNOWN_OVERRIDES = movie_settings(config, MOVIES)
except FramescapeError as error:
    stop(error)

RESULTS = config["results"].rstrip("/")
METRICS = config["metrics"]
METHODS = config["methods"]
RANDOM_STATE = config["random_state"]
SCALE = config["scale"]
VIEW = config["view"]
TILE_FRAMES = config["tile_frames"]
# Every map, "<method>_<metric>", in the order of the JSON, plots and viewer menu.
MAP_NAMES = [f"{method}_{metric}" for metric in METRICS for method in METHODS]
MEMORY_LIMIT_MB = (
    0 if config["memory_limit_gb"] == "auto" else int(config["memory_limit_gb"] * 1024)
)

# The folder map (collection.smk) takes the long-movie path as one movie of this
# id (movies.RESERVED_IDS: never a movie's), at its own frame size and settings.
COLLECTION = "collection"
COLLECTION_CONFIG = collection_config(config)
COLLECTION_METRICS = COLLECTION_CONFIG["metrics"]
COLLECTION_MAP_NAMES = [
    f"{method}_{metric}"
    for metric in COLLECTION_METRICS
    for method in COLLECTION_CONFIG["methods"]
]
SETTINGS[COLLECTION] = {
    "fps": None,
    "frame_width": config["collection"]["frame_width"],
    "frame_height": config["collection"]["frame_height"],
    "keep_aspect": False,
    "mask": [],
}
# Movies that failed and have not changed since are left out of the folder
# stages (the folder map, reuse).
FAILED_MOVIES = failed_movies(RESULTS, MOVIES)
READABLE_MOVIES = [movie for movie in MOVIES if movie not in FAILED_MOVIES]
COLLECTION_ENABLED = config["collection"]["enabled"] and bool(READABLE_MOVIES)
REUSE = config["reuse"]

if UNKNOWN_OVERRIDES:
    logger.warning(
        "framescape: movie_overrides names no movie in "
        f"{config['movies']}: {', '.join(UNKNOWN_OVERRIDES)}"
    )
for name, target in BROKEN_LINKS.items():
    logger.warning(f"framescape: skipping {name}: broken symbolic link (to {target})")
if not MOVIES:
    logger.warning(
        f"framescape: no movies ({', '.join(config['extensions'])}) in {config['movies']}"
    )
elif config["collection"]["enabled"] and not READABLE_MOVIES:
    logger.warning(
        "framescape: no readable movie for the folder map: collection.html is not made"
    )


# A movie id has no dot (movies.base_id): results/{movie}.json never matches
# inside another movie's results/{movie}/.
wildcard_constraints:
    movie=r"[A-Za-z0-9_-]+",
    ext=r"[a-z0-9]+",
    metric=registry.choices(registry.METRICS),
    method=registry.choices(registry.METHODS),
    row=r"\d+",
    column=r"\d+",
    block=r"\d+",


# The rules that make a movie's own files (frames, JSON, viewer) never take the
# folder map's id, whose files of the same names other rules make.
MOVIE_ONLY = rf"(?!{COLLECTION}(?![A-Za-z0-9_-]))[A-Za-z0-9_-]+"


def lock_results():
    """Hold an exclusive lock on the results folder for this run's lifetime.

    Snakemake locks its working directory; this also stops a second run from
    another directory that writes to the same results folder. The kernel drops
    the lock when the process ends, however it ends (no stale lock after kill -9).
    """
    global RESULTS_LOCK
    Path(RESULTS).mkdir(parents=True, exist_ok=True)
    RESULTS_LOCK = open(Path(RESULTS) / ".framescape.lock", "a+")
    try:
        fcntl.flock(RESULTS_LOCK, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        RESULTS_LOCK.seek(0)
        holder = RESULTS_LOCK.read().strip() or "another run"
        stop(f"results folder '{RESULTS}' is in use by {holder}; wait until it ends")
    RESULTS_LOCK.truncate(0)
    RESULTS_LOCK.write(f"snakemake process {os.getpid()}\n")
    RESULTS_LOCK.flush()


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


def movie_path(wildcards):
    """The user's file, for link_movie only (a local rule, no shell).

    A parameter, not an input: Snakemake formats input paths with the wildcards,
    which a file name holding braces would break.
    """
    return MOVIES[wildcards.movie]["path"]


def movie_stamp(wildcards):
    """Size and modification time of the user's file: replacing it reruns the movie."""
    return MOVIES[wildcards.movie]["stamp"]


def source_link(wildcards):
    return f"{RESULTS}/{wildcards.movie}/source.{MOVIES[wildcards.movie]['ext']}"


def movie_file(wildcards):
    """The original file name, for messages and movies.tsv; never a path or shell word."""
    return MOVIES[wildcards.movie]["file"]


def movie_files(wildcards):
    """Every original file name, in MOVIES order (a function, so never formatted)."""
    return [info["file"] for info in MOVIES.values()]


def setting(key):
    """Input function: a per-movie setting (global value or movie_overrides)."""
    return lambda wildcards: SETTINGS[wildcards.movie][key]


def config_of(movie):
    """The configuration a movie's steps read: the folder map's for COLLECTION."""
    return COLLECTION_CONFIG if movie == COLLECTION else config


def embed_options(wildcards):
    """The config block of one method, for this metric, keys sorted: the order
    of keys in a config file reruns nothing."""
    options = method_options(
        config_of(wildcards.movie), wildcards.method, wildcards.metric
    )
    return dict(sorted(options.items()))


def collection_html():
    """results/collection.html when the folder map is made, else None."""
    return f"{RESULTS}/{COLLECTION}.html" if COLLECTION_ENABLED else None


def collection_targets():
    """results/collection.json and .html, when the folder map is made."""
    if not COLLECTION_ENABLED:
        return []
    return [f"{RESULTS}/{COLLECTION}.json", collection_html()]


def reuse_table():
    """results/reuse.tsv when the reuse stage runs, else None."""
    return f"{RESULTS}/reuse.tsv" if REUSE["enabled"] else None


def reuse_targets():
    """results/reuse.tsv and the pages' copy, reuse.js, when the stage runs."""
    return [reuse_table(), f"{RESULTS}/reuse.js"] if REUSE["enabled"] else []


def scaled_embeddings(wildcards):
    return [f"{RESULTS}/{wildcards.movie}/scaled/{name}.npy" for name in MAP_NAMES]


def job_file(folder, extension, rule_name, *wildcard_names):
    """results/<movie>/<folder>/<rule>_<wildcards>.<extension>, one per job."""
    parts = "".join(f"_{{{name}}}" for name in wildcard_names)
    return f"{RESULTS}/{{movie}}/{folder}/{rule_name}{parts}.{extension}"


def log_path(rule_name, *wildcard_names):
    return job_file("logs", "log", rule_name, *wildcard_names)


def benchmark_path(rule_name, *wildcard_names):
    return job_file("benchmarks", "tsv", rule_name, *wildcard_names)


def frame_count(movie):
    """Frames the movie gave: known once the checkpoint count_frames has run."""
    counted = checkpoints.count_frames.get(movie=movie).output[0]
    return read_frame_count(counted)


def on_graph_path(movie):
    """Whether the movie has more frames than dense_max_frames (its maps come
    from neighbour graphs, graph.smk)."""
    return frame_count(movie) > dense_frames(movie)


def pairs_source(wildcards):
    """What the metric's pairs of frames are read from: the (N, N) matrix or,
    on the long-movie path, the neighbour graph."""
    folder = f"{RESULTS}/{wildcards.movie}"
    if on_graph_path(wildcards.movie):
        return f"{folder}/graph/{wildcards.metric}.npz"
    return f"{folder}/distances/{wildcards.metric}.npy"


def heatmap_source(wildcards):
    """The matrix, or the block averages of the graph's reduced distances."""
    if on_graph_path(wildcards.movie):
        return f"{RESULTS}/{wildcards.movie}/graph/{wildcards.metric}_heatmap.npy"
    return pairs_source(wildcards)


def embed_inputs(wildcards):
    """The matrix; or, on the long-movie path, the frames (landmark MDS compares
    them; their count sizes the job) and, for t-SNE and UMAP, the neighbour graph."""
    source = pairs_source(wildcards)
    if source.endswith(".npy"):
        return {"distances": source}
    folder = f"{RESULTS}/{wildcards.movie}"
    # The count sizes the job (graph_k): a job on a cluster node reads it again.
    inputs = {"frames": f"{folder}/frames.npy", "counted": f"{folder}/frame_count.txt"}
    if wildcards.method != "mds":
        inputs["graph"] = source
    return inputs


def graph_k(wildcards):
    """Neighbours per frame the metric's graph keeps (config.graph_neighbours)."""
    return graph_neighbours(
        config_of(wildcards.movie), wildcards.metric, frame_count(wildcards.movie)
    )


def rerank_parts(wildcards):
    """Every block's re-ranked neighbours, in frame order (one block at least)."""
    count = tile_count(frame_count(wildcards.movie), TILE_FRAMES)
    folder = f"{RESULTS}/{wildcards.movie}/graph_parts"
    return [f"{folder}/{wildcards.metric}_rerank_{block}.npz" for block in range(count)]
