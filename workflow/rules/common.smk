# Config, the movie table and input functions: the only place that reads config.

import fcntl
import os
import sys
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir) / "scripts"))

from common import FramescapeError, load_json, npy_shape  # noqa: E402
from movies import broken_links, expected_frames, find_movies, link_movie  # noqa: E402
from resources import (  # noqa: E402
    MB,
    extract_runtime,
    assembly_memory,
    movie_memory,
    step_memory,
    step_runtime,
    tile_memory,
    tile_runtime,
)
from settings import movie_settings, validate_config  # noqa: E402
from tiles import (  # noqa: E402
    read_frame_count,
    tile_count,
    tile_pairs,
    tile_range,
    write_frame_count,
)
from viewer import asset_names  # noqa: E402


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
VIEWER_ASSETS = asset_names(version("bokeh"))
MEMORY_LIMIT_MB = (
    0 if config["memory_limit_gb"] == "auto" else int(config["memory_limit_gb"] * 1024)
)

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


wildcard_constraints:
    movie=r"[A-Za-z0-9._-]+",
    ext=r"[a-z0-9]+",
    metric="gray|hsl",
    method="mds|tsne|umap",
    row=r"\d+",
    column=r"\d+",


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


def method_options(wildcards):
    """The config block of one method; umap's n_neighbors for this metric only."""
    options = dict(config[wildcards.method])
    if wildcards.method == "umap" and isinstance(options["n_neighbors"], dict):
        options["n_neighbors"] = options["n_neighbors"].get(wildcards.metric, "auto")
    return options


def movie_memory_mb(wildcards, input):
    """Resource: MB the movie's largest job will hold, from its probe.

    A resource rather than a parameter, so that it reruns nothing. Before the probe
    exists, the missing file makes Snakemake defer it until the job is ready.
    """
    probe = load_json(input.probe)
    if probe["error"]:
        return 0
    settings = SETTINGS[wildcards.movie]
    width, height = settings["frame_width"], settings["frame_height"]
    frames = expected_frames(probe["duration"], settings["fps"]) or 1
    needed, _ = movie_memory(frames, width, height, METRICS, METHODS, TILE_FRAMES)
    return megabytes(needed)


# Scheduler resources (threads, mem_mb in MB, runtime in minutes) for every rule;
# the sizes come from scripts/resources.py, measured per step. Functions of the
# job's input read only .npy headers and probe.json, once the job is ready.
SMALL_JOB_MB = 1000
SMALL_JOB_MINUTES = 15
# scale and merge_json (seconds even at 10,000 frames): the maps group adds up its
# layers' runtimes, so its time limit stays near what the layouts need.
TINY_JOB_MINUTES = 5


def megabytes(size):
    """Bytes → whole MB, rounded up."""
    return -(-size // MB)


def distance_tiles(wildcards):
    """The tiles of a movie's distance matrix, none when it is one job.

    Known once its frames are counted (the checkpoint count_frames).
    """
    counted = checkpoints.count_frames.get(movie=wildcards.movie).output[0]
    count = tile_count(read_frame_count(counted), TILE_FRAMES)
    if count == 1:
        return []
    return [
        f"{RESULTS}/{wildcards.movie}/tiles/{wildcards.metric}_{row}_{column}.npy"
        for row, column in tile_pairs(count)
    ]


def tile_sizes(wildcards, input):
    """(frames of the row block, of the column block, N, height, width)."""
    n, height, width, _ = npy_shape(input.frames)
    rows, columns = (
        tile_range(int(index), n, TILE_FRAMES)
        for index in (wildcards.row, wildcards.column)
    )
    return rows[1] - rows[0], columns[1] - columns[0], n, height, width


def tile_mb(wildcards, input):
    rows, columns, n, height, width = tile_sizes(wildcards, input)
    diagonal = wildcards.row == wildcards.column
    metric = wildcards.metric
    return megabytes(tile_memory(metric, rows, columns, diagonal, n, width, height))


def tile_minutes(wildcards, input):
    rows, columns, _, height, width = tile_sizes(wildcards, input)
    diagonal = wildcards.row == wildcards.column
    return tile_runtime(wildcards.metric, rows, columns, diagonal, width, height)


def distances_mb(wildcards, input):
    n, height, width, _ = npy_shape(input.frames)
    if input.tiles:
        return megabytes(assembly_memory(n, TILE_FRAMES))
    return megabytes(step_memory(f"distances_{wildcards.metric}", n, width, height))


def distances_minutes(wildcards, input):
    n, height, width, _ = npy_shape(input.frames)
    if input.tiles:
        return SMALL_JOB_MINUTES
    return step_runtime(f"distances_{wildcards.metric}", n, width, height)


def embed_mb(wildcards, input):
    n = npy_shape(input.distances)[0]
    return megabytes(step_memory(f"embed_{wildcards.method}", n, 0, 0))


def embed_minutes(wildcards, input):
    return step_runtime(f"embed_{wildcards.method}", npy_shape(input.distances)[0])


def extract_minutes(wildcards, input):
    return extract_runtime(load_json(input.probe).get("duration"))


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
