# Config and the movie table: the only place that reads config.yaml.

import os
import sys
from pathlib import Path

from snakemake.settings.types import SharedFSUsage

# The step code is the framescape package under src/: installed by
# `pip install -e .`, else found here (a Snakemake without the package). Jobs
# reach it the same way, or through scripts/framescape (a link to it) in a
# --sdm conda environment. Only that package joins the path.
SOURCE = str(Path(workflow.basedir) / "src")
if SOURCE not in sys.path:
    sys.path.append(SOURCE)

# Jobs inherit it: OpenBLAS's idle threads give the cores back to numba's sooner,
# where a step runs the two in turn on the same cores (the hsl matrix keeps
# OpenBLAS to one thread).
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

# Only light modules: planning a run never imports numba, bokeh, matplotlib,
# umap or scikit-learn (tests/workflow/test_workflow.py checks it).
from framescape import registry  # noqa: E402
from framescape.common import FramescapeError, load_json  # noqa: E402
from framescape.frames.count import write_frame_count  # noqa: E402
from framescape.run import handover  # noqa: E402
from framescape.run.config import (  # noqa: E402
    collection_config,
    graph_neighbours,
    method_options,
    movie_settings,
    validate_config,
)
from framescape.run.digest import code_digest  # noqa: E402
from framescape.run.guard import machine_memory  # noqa: E402
from framescape.run.movies import broken_links, find_movies, link_movie  # noqa: E402
from framescape.run.outcomes import failed_movies, planned_left_out  # noqa: E402


def stop(message):
    """End the run before any job starts, with one line."""
    sys.exit(f"framescape: error: {message}")


# Whether jobs see the files this process sees: not with --shared-fs-usage none,
# where each job runs in an empty folder of its own. The cloud executors imply
# it, but Snakemake applies that only after it has read this file: here it is
# the command line's own setting.
SHARED_FILES = SharedFSUsage.INPUT_OUTPUT in workflow.storage_settings.shared_fs_usage
# Whether the results live in a storage (--default-storage-provider), not in a
# folder of this machine: jobs fetch their inputs from it and put their outputs
# back; this process never sees the folder (run.smk).
RESULTS_IN_STORAGE = bool(workflow.storage_settings.default_storage_provider)
# Whether this process hands its jobs the movies it found (run.handover): where
# they may not see its files. Snakemake refuses a run without a shared file
# system and without a default storage provider, so the cloud executors' runs
# are among these whether or not --shared-fs-usage none was given.
HANDS_OVER = workflow.is_main_process and (RESULTS_IN_STORAGE or not SHARED_FILES)


def discover_movies():
    """``(movies, broken links, memory bytes)``: the movies folder's, as this
    process finds them; in a job without a shared file system, as the run's own
    process found them and handed them over (framescape.run.handover), with the
    memory it plans a movie's path with (0: none handed over)."""
    if workflow.is_main_process:
        # A value from the user's shell would reach jobs that share the files.
        os.environ.pop(handover.VARIABLE, None)
    elif not SHARED_FILES and handover.VARIABLE in os.environ:
        movies, memory = handover.unpack(os.environ[handover.VARIABLE])
        return movies, {}, memory
    elif not Path(config["movies"]).is_dir():
        stop(
            f"this job sees no movies folder ('{config['movies']}') and was handed "
            f"no movie list ({handover.VARIABLE}): start the run with a default "
            "storage provider (docs/cloud.md), whose own process hands it to its jobs"
        )
    movies = find_movies(config["movies"], config["extensions"])
    broken = broken_links(config["movies"], config["extensions"])
    if not HANDS_OVER:
        return movies, broken, 0
    # The memory every job plans with: this machine's unless memory_limit_gb is
    # given (then all read the same number from the config).
    memory = machine_memory() if config["memory_limit_gb"] == "auto" else 0
    os.environ[handover.VARIABLE] = handover.pack(movies, memory)
    workflow.register_envvars(handover.VARIABLE)
    return movies, broken, memory


try:
    validate_config(
        config, Path(workflow.basedir) / "workflow/schemas/config.schema.yaml"
    )
    MOVIES, BROKEN_LINKS, PLANNING_MEMORY = discover_movies()
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
# id (run.movies.RESERVED_IDS: never a movie's), at its own frame size and settings.
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
# stages (the folder map, reuse): those whose frames could not be made, and
# those whose own job for the stage failed (run.outcomes.left_out_movies).
# Results in a storage are out of this process's sight: none is left out.
FOLDER_STAGES = ("collection", "reuse", "shots")
FAILED_MOVIES, LEFT_OUT = (
    ({}, {stage: {} for stage in FOLDER_STAGES})
    if RESULTS_IN_STORAGE
    else planned_left_out(RESULTS, MOVIES, FOLDER_STAGES)
)
COLLECTION_MOVIES = [movie for movie in MOVIES if movie not in LEFT_OUT["collection"]]
REUSE_MOVIES = [movie for movie in MOVIES if movie not in LEFT_OUT["reuse"]]
SHOTS_MOVIES = [movie for movie in MOVIES if movie not in LEFT_OUT["shots"]]
# A folder of one movie gets no second map of it: its own map is the folder's.
COLLECTION_ENABLED = config["collection"]["enabled"] and len(COLLECTION_MOVIES) > 1
REUSE = config["reuse"]
SHOTS = config["shots"]

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
elif config["collection"]["enabled"] and not COLLECTION_MOVIES:
    logger.warning(
        "framescape: no readable movie for the folder map: collection.html is not made"
    )
elif config["collection"]["enabled"] and len(COLLECTION_MOVIES) == 1:
    logger.info(
        "framescape: one readable movie: no folder map (its own map is the folder's)"
    )


# A movie id has no dot (run.movies.base_id): results/{movie}.json never matches
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


def job_file(folder, extension, rule_name, *wildcard_names):
    """results/<movie>/<folder>/<rule>_<wildcards>.<extension>, one per job."""
    parts = "".join(f"_{{{name}}}" for name in wildcard_names)
    return f"{RESULTS}/{{movie}}/{folder}/{rule_name}{parts}.{extension}"


def log_path(rule_name, *wildcard_names):
    return job_file("logs", "log", rule_name, *wildcard_names)


def benchmark_path(rule_name, *wildcard_names):
    return job_file("benchmarks", "tsv", rule_name, *wildcard_names)
