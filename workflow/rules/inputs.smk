# Input functions: which files and settings each job reads, and which path a
# movie takes (the dense path's matrices up to dense_max_frames frames, the
# neighbour graph of graph.smk beyond), known once its frames are counted.

import errno  # noqa: E402
import functools  # noqa: E402

from snakemake.exceptions import IncompleteCheckpointException  # noqa: E402

from framescape.distances.tiles import tile_count, tile_pairs  # noqa: E402
from framescape.index.parameters import refined, search_blocks  # noqa: E402
from framescape.frames.count import read_frame_count  # noqa: E402
from framescape.frames.extract import frame_file  # noqa: E402
from framescape.reuse.parameters import (  # noqa: E402
    descriptor_windows_sized,
    search_blocks as reuse_search_blocks,
)
from framescape.run.guard import (  # noqa: E402
    available_memory,
    dense_max_frames,
    slurm_query,
)


def movie_path(wildcards):
    """The user's file, for link_movie only (a local rule, no shell).

    A parameter, not an input: Snakemake formats input paths with the wildcards,
    which a file name holding braces would break.
    """
    return MOVIES[wildcards.movie]["path"]


def movie_stamp(wildcards):
    """Size and modification time of the user's file: replacing it reruns the
    movie. None in a job handed the movies (common.smk), which plans link_movie
    without running it: the handover carries no stamps."""
    return MOVIES[wildcards.movie].get("stamp")


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


def index_collection():
    """make_index's collection parameter: collection_html(); where the results
    are in a storage, the page beside the index the job writes (its local copy
    of the results, where collection_html() is not), a function of its output:
    Snakemake records no such parameter, which would name the copy's folder."""
    if not (COLLECTION_ENABLED and RESULTS_IN_STORAGE):
        return collection_html()
    return lambda wildcards, output: str(
        Path(output[0]).with_name(f"{COLLECTION}.html")
    )


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


def made_descriptors(movie):
    """The movie's descriptors.npz: known once the checkpoint reuse_descriptors
    has made it (else IncompleteCheckpointException)."""
    return checkpoints.reuse_descriptors.get(movie=movie).output[0]


def reuse_window_counts():
    """Each movie's windows (REUSE_MOVIES order), from the size of its
    descriptors: the same figure here, in a job and in a storage."""
    return [
        descriptor_windows_sized(stored_size(made_descriptors(movie)))
        for movie in REUSE_MOVIES
    ]


def reuse_inputs(wildcards):
    """Rule reuse's input: every movie's descriptors (descriptors), and past
    reuse.index_windows windows each reuse_search block's pairs (pairs; else
    none). Which, their windows say, once every movie's descriptors are made:
    until then the descriptors still to be made, all at once, each a
    checkpoint's output (Snakemake plans the job again as each is made)."""
    waiting = []
    for movie in REUSE_MOVIES:
        try:
            made_descriptors(movie)
        except IncompleteCheckpointException as unmade:
            waiting.append(unmade.targetfile)
    if waiting:
        return {"descriptors": waiting, "pairs": []}
    descriptors = [f"{RESULTS}/{movie}/reuse/descriptors.npz" for movie in REUSE_MOVIES]
    windows = reuse_window_counts()
    pairs = []
    if sum(windows) > REUSE["index_windows"]:
        blocks = reuse_search_blocks(windows)
        pairs = [f"{RESULTS}/reuse/pairs_{block}.npz" for block in range(blocks)]
    return {"descriptors": descriptors, "pairs": pairs}


def retried_folder_jobs():
    """The files of the movies' own folder-stage jobs that failed since their
    input was made (LEFT_OUT): tried again on every run, as a failed movie's
    frames are, while no folder job waits for them; once made, the next run
    takes the movie back into the stage."""
    files = []
    if config["collection"]["enabled"]:
        files += [
            f"{RESULTS}/{movie}/collection/frames.npy"
            for movie in LEFT_OUT["collection"]
            if movie not in FAILED_MOVIES
        ]
    if REUSE["enabled"]:
        files += [
            f"{RESULTS}/{movie}/reuse/descriptors.npz"
            for movie in LEFT_OUT["reuse"]
            if movie not in FAILED_MOVIES
        ]
    if SHOTS["enabled"]:
        files += [
            f"{RESULTS}/{movie}/shots.tsv"
            for movie in LEFT_OUT["shots"]
            if movie not in FAILED_MOVIES
        ]
    return files


def scaled_embeddings(wildcards):
    return [f"{RESULTS}/{wildcards.movie}/scaled/{name}.npy" for name in MAP_NAMES]


def fetched(path):
    """``path``, a file of a job, with a copy here to read: where the results
    are in a storage and this process has none, fetched from it first; a
    FileNotFoundError while it is not there yet (a resource of the job is then
    determined later, as for a missing local file).

    Through the storage plugin's own call, not Snakemake's: Snakemake asks for
    a job's parameters and resources while it plans in its event loop, where
    its own fetch cannot run.
    """
    if path.is_storage and not os.path.exists(path):
        stored = path.storage_object
        if not stored.exists():
            raise FileNotFoundError(errno.ENOENT, "not in the storage yet", str(path))
        stored.local_path().parent.mkdir(parents=True, exist_ok=True)
        stored.retrieve_object()
    return path


def frame_count(movie):
    """Frames the movie gave: known once the checkpoint count_frames has run."""
    counted = checkpoints.count_frames.get(movie=movie).output[0]
    return read_frame_count(fetched(counted))


def on_graph_path(movie):
    """Whether the movie has more frames than dense_max_frames (its maps come
    from neighbour graphs, graph.smk)."""
    return frame_count(movie) > dense_frames(movie)


def on_index_path(movie):
    """Whether the movie is the folder map of more than collection.index_frames
    frames (its neighbour graph through an index, index.smk)."""
    return (
        movie == COLLECTION
        and frame_count(movie) > config["collection"]["index_frames"]
    )


def index_parts(wildcards, step):
    """Every block's part from index.smk's ``step`` (search, refine), one
    block at least."""
    count = search_blocks(frame_count(wildcards.movie), TILE_FRAMES)
    folder = f"{RESULTS}/{wildcards.movie}/index_parts"
    return [f"{folder}/{wildcards.metric}_{step}_{block}.npz" for block in range(count)]


def search_parts(wildcards):
    """Every block's searched neighbours."""
    return index_parts(wildcards, "search")


def refine_parts(wildcards):
    """The refined blocks, or the searched ones for a metric not refined."""
    step = "refine" if refined(wildcards.metric) else "search"
    return index_parts(wildcards, step)


def pairs_source(wildcards):
    """What the metric's pairs of frames are read from: the (N, N) matrix or,
    on the long-movie path, the neighbour graph (through an index for a large
    folder)."""
    folder = f"{RESULTS}/{wildcards.movie}"
    if on_index_path(wildcards.movie):
        return f"{folder}/graph/{wildcards.metric}_index.npz"
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
    """Neighbours per frame the metric's graph keeps (run.config.graph_neighbours)."""
    return graph_neighbours(
        config_of(wildcards.movie), wildcards.metric, frame_count(wildcards.movie)
    )


def rerank_parts(wildcards):
    """Every block's re-ranked neighbours, in frame order (one block at least)."""
    count = tile_count(frame_count(wildcards.movie), TILE_FRAMES)
    folder = f"{RESULTS}/{wildcards.movie}/graph_parts"
    return [f"{folder}/{wildcards.metric}_rerank_{block}.npz" for block in range(count)]


def dense_frames(movie):
    """dense_max_frames for this movie: the config's number, or (auto) the most
    frames whose dense path fits the memory the guard allows."""
    if movie == COLLECTION:
        return 0  # the folder map: always by neighbour graph
    if config["dense_max_frames"] != "auto":
        return config["dense_max_frames"]
    settings = SETTINGS[movie]
    return dense_frames_fitting(settings["frame_width"], settings["frame_height"])


@functools.cache
def dense_frames_fitting(width, height):
    # Where the run hands over to its jobs, its own figure (common.smk): all
    # plan a movie's path alike.
    limit = (
        MEMORY_LIMIT_MB * MB or PLANNING_MEMORY or available_memory(jobs_partition())
    )
    return dense_max_frames(
        limit, width, height, METRICS, METHODS, TILE_FRAMES, len(MOVIES)
    )


def jobs_partition():
    """The SLURM partition whose largest node decides dense_max_frames auto:
    default-resources' slurm_partition, else the cluster's default partition;
    None for a local run. The same answer in the main process and in every job
    (a job's own partition may differ), so that all agree on a movie's path."""
    if workflow.local_exec and not workflow.remote_exec:
        return None
    defaults = workflow.resource_settings.default_resources or {}
    chosen = defaults.get("slurm_partition")
    chosen = getattr(chosen, "raw", chosen)
    if chosen:
        return str(chosen).strip("'\"")
    shown = slurm_query("sinfo", "--noheader", "--format", "%P")
    marked = [name[:-1] for name in shown.split() if name.endswith("*")]
    return marked[0] if marked else None


def distance_tiles(wildcards):
    """The tiles of a movie's distance matrix, none when it is one job.

    Known once its frames are counted (the checkpoint count_frames).
    """
    count = tile_count(frame_count(wildcards.movie), TILE_FRAMES)
    if count == 1:
        return []
    return [
        f"{RESULTS}/{wildcards.movie}/tiles/{wildcards.metric}_{row}_{column}.npy"
        for row, column in tile_pairs(count)
    ]


def shot_settings():
    """The detector's settings of the config's shots: section (keys sorted:
    their order in a config file reruns nothing)."""
    return {
        key: value
        for key, value in sorted(SHOTS.items())
        if key not in ("enabled", "group_distance")
    }


def shot_movies():
    """The movies the shot stage takes in this run (none without it)."""
    return SHOTS_MOVIES if SHOTS["enabled"] else []


def has_shots(movie):
    """Whether the shot stage makes the movie's shots.tsv in this run."""
    return movie in shot_movies()


def movie_shots_tsv(wildcards):
    """The movie's shots.tsv when the shot stage takes it, else none: its
    heatmaps mark where shots start."""
    if not has_shots(wildcards.movie):
        return []
    # A string, not a list: the step reads the one path.
    return f"{RESULTS}/{wildcards.movie}/shots.tsv"


def viewer_shot_inputs(wildcards):
    """make_viewer's shot files when the shot stage takes the movie, else none:
    its shots.tsv, barcode and heatmaps (drawn with the shots' starts)."""
    if not has_shots(wildcards.movie):
        return {}
    folder = f"{RESULTS}/{wildcards.movie}"
    return {
        "shots": f"{folder}/shots.tsv",
        "barcode": f"{folder}/plots/barcode.png",
        "heatmaps": [f"{folder}/plots/distances_{metric}.png" for metric in METRICS],
    }


def stored_viewer_inputs(wildcards):
    """What make_viewer reads besides its own inputs, declared where the
    results are in a storage (a job there has nothing else): the movie's frames,
    which its thumbnails are made of (the JSON's src, beside it). Not in a
    local run, where a new input would remake the pages of every results folder
    made before."""
    if not RESULTS_IN_STORAGE:
        return {}
    return {"frames_dir": f"{RESULTS}/{wildcards.movie}/frames"}


def stored_index_inputs(wildcards):
    """What make_index reads besides its own inputs, declared where the
    results are in a storage (stored_viewer_inputs): of each movie's frames only
    its card's picture, the middle one, whose size the index reads
    (pages.index.movie_summary); and the frames.tsv of the movies reuse.tsv
    may name, for the times of the reused stretches."""
    if not RESULTS_IN_STORAGE:
        return {}
    pictures = [
        f"{RESULTS}/{movie}/frames/{frame_file(frame_count(movie) // 2)}"
        for movie in MOVIES
    ]
    tables = [f"{RESULTS}/{movie}/frames.tsv" for movie in REUSE_MOVIES]
    return {"pictures": pictures, "frames_tsvs": tables if REUSE["enabled"] else []}


def shot_targets():
    """Each movie's shots.tsv, exports and pictures, and the folder's table,
    when the shot stage runs (also what the index shows of them)."""
    if not SHOTS["enabled"]:
        return []
    per_movie = (
        "shots.tsv",
        "shots.otio",
        "shots.edl",
        "chapters.vtt",
        "plots/barcode.png",
        "plots/cutting_rate.png",
    )
    return [
        *(f"{RESULTS}/{movie}/{name}" for movie in SHOTS_MOVIES for name in per_movie),
        f"{RESULTS}/shots.tsv",
    ]
