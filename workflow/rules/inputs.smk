# Input functions: which files and settings each job reads, and which path a
# movie takes (the dense path's matrices up to dense_max_frames frames, the
# neighbour graph of graph.smk beyond), known once its frames are counted.

import functools  # noqa: E402

from framescape.distances.tiles import tile_count, tile_pairs  # noqa: E402
from framescape.index.parameters import search_blocks  # noqa: E402
from framescape.frames.count import read_frame_count  # noqa: E402
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


def frame_count(movie):
    """Frames the movie gave: known once the checkpoint count_frames has run."""
    counted = checkpoints.count_frames.get(movie=movie).output[0]
    return read_frame_count(counted)


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


def search_parts(wildcards):
    """Every block's searched neighbours (index.smk), one block at least."""
    count = search_blocks(frame_count(wildcards.movie), TILE_FRAMES)
    folder = f"{RESULTS}/{wildcards.movie}/index_parts"
    return [f"{folder}/{wildcards.metric}_search_{block}.npz" for block in range(count)]


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
    limit = MEMORY_LIMIT_MB * MB or available_memory(jobs_partition())
    return dense_max_frames(limit, width, height, METRICS, METHODS, TILE_FRAMES)


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
