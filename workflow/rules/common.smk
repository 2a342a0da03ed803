# Config and the movie table: the only place that reads config.yaml.

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

# Jobs inherit it: OpenBLAS's idle threads give the cores back to numba's sooner,
# where the two take turns on the same cores (hsl distances: docs/performance.md,
# "Distance kernels").
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

# Only light modules: planning a run never imports numba, bokeh, matplotlib,
# umap or scikit-learn (tests/workflow/test_workflow.py checks it).
from framescape import registry  # noqa: E402
from framescape.common import FramescapeError, load_json  # noqa: E402
from framescape.frames.count import write_frame_count  # noqa: E402
from framescape.run.config import (  # noqa: E402
    collection_config,
    graph_neighbours,
    method_options,
    movie_settings,
    validate_config,
)
from framescape.run.digest import code_digest  # noqa: E402
from framescape.run.movies import broken_links, find_movies, link_movie  # noqa: E402
from framescape.run.outcomes import failed_movies, planned_left_out  # noqa: E402


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
FAILED_MOVIES, LEFT_OUT = planned_left_out(
    RESULTS, MOVIES, ("collection", "reuse", "shots")
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
