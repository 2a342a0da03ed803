# Scheduler resources (threads, mem_mb in MB, runtime in minutes) for every rule;
# the sizes come from each stage's framescape.<stage>.resources and the memory
# guard (framescape.run.guard), fitted to measured peaks and times
# (docs/performance.md). Functions of the job's input read only .npy headers and
# probe.json, once the job is ready; in Snakemake's own process with the results
# in a storage, only probe.json, frame_count.txt and the files' sizes there
# (SIZED_FROM_COUNTS).

import errno  # noqa: E402

from framescape.collection import resources as collection_resources  # noqa: E402
from framescape.common import MB, npy_shape  # noqa: E402
from framescape.distances.resources import (  # noqa: E402
    assembly_memory,
    nearest_memory,
    step_memory,
    step_runtime,
    tile_memory,
    tile_runtime,
)
from framescape.distances.tiles import tile_range  # noqa: E402
from framescape.embed.parameters import resolve_n_neighbors  # noqa: E402
from framescape.frames.resources import extract_runtime  # noqa: E402
from framescape.graph.parameters import RERANK_ROWS  # noqa: E402
from framescape.graph.resources import (  # noqa: E402
    GRAPH_FIXED,
    graph_candidates_memory,
    graph_candidates_runtime,
    graph_merge_memory,
    graph_merge_runtime,
    graph_rerank_memory,
    graph_rerank_runtime,
)
from framescape.index import resources as index_resources  # noqa: E402
from framescape.pages import resources as pages_resources  # noqa: E402
from framescape import resources as shared_resources  # noqa: E402
from framescape.reuse import resources as reuse_resources  # noqa: E402
from framescape.reuse.parameters import (  # noqa: E402
    SEARCH_ROWS as REUSE_SEARCH_ROWS,
    search_rows as reuse_search_rows,
)
from framescape.run.guard import (  # noqa: E402
    graph_memory,
    graph_runtime,
    largest_ask,
    movie_memory,
)
from framescape.run.movies import expected_frames  # noqa: E402

# Whether this process sizes jobs without their large inputs: Snakemake's own
# process with the results in a storage, which submits every job with the
# memory it asks for here (a pod's request, an allocation) and has none of
# their files. It reads only small ones (probe.json, frame_count.txt) and the
# sizes of the others in the storage: a job's frames are its frame count at
# the configured frame size, which extract_frames gives exactly (stretched or
# padded). Elsewhere the .npy headers are read, as the job's are in a job.
SIZED_FROM_COUNTS = RESULTS_IN_STORAGE and workflow.is_main_process
# The memory guard's limit in extract_frames (MB; 0: the job's own machine or
# partition): memory_limit_gb, or where the run hands over to its jobs the
# memory it plans each movie's path with (common.smk), so that the guard and
# the plan agree.
GUARD_LIMIT_MB = MEMORY_LIMIT_MB or PLANNING_MEMORY // MB


def job_mb(size):
    """A job's mem_mb: ``size``, the bytes its step holds, and the Snakemake
    processes that run it on a cluster, which grow with the folder's movies
    (framescape.resources.job_mb)."""
    return shared_resources.job_mb(size, len(MOVIES))


def local_copy(path):
    """``path``, an input of the job being sized, present here to be read.

    With the results in a storage, a job is sized where it runs before
    Snakemake fetches its inputs, and the run's own process has none of them:
    fetched here first, once (the job's own inputs, which it fetches anyway; in
    the run's own process only small files, SIZED_FROM_COUNTS). Without a
    shared file system only: jobs that share one would fetch into one folder at
    once (docs/cluster.md).
    """
    if SIZED_FROM_COUNTS or (RESULTS_IN_STORAGE and not SHARED_FILES):
        return fetched(path)
    return path


def stored_size(path):
    """Bytes of ``path``, an input of the job being sized: in the storage, for
    the run's own process (SIZED_FROM_COUNTS), which has no copy of it."""
    if SIZED_FROM_COUNTS:
        if not path.storage_object.exists():
            raise FileNotFoundError(errno.ENOENT, "not in the storage yet", str(path))
        return path.storage_object.size()
    return os.path.getsize(local_copy(path))


def configured_shape(movie):
    """(N, height, width) of the movie's frames from its frame count and the
    configured size."""
    settings = SETTINGS[movie]
    return frame_count(movie), settings["frame_height"], settings["frame_width"]


def frames_shape(movie, frames):
    """(N, height, width) of the movie's frames.npy, ``frames``: from its
    header, or its frame count and the configured size (SIZED_FROM_COUNTS)."""
    if SIZED_FROM_COUNTS:
        return configured_shape(movie)
    n, height, width, _ = npy_shape(local_copy(frames))
    return n, height, width


def movie_memory_mb(wildcards, input):
    """Resource: the mem_mb the movie's largest job will ask for, from its probe:
    on the dense path, or on the neighbour-graph path when it will have more
    than dense_max_frames frames; or its plot of the maps or its viewer, which
    grow with its frames too.

    A resource rather than a parameter, so that it reruns nothing. Before the probe
    exists, the missing file makes Snakemake defer it until the job is ready.
    """
    frames = expected_movie_frames(wildcards, input)
    if not frames:
        return 0
    settings = SETTINGS[wildcards.movie]
    width, height = settings["frame_width"], settings["frame_height"]
    if frames > dense_frames(wildcards.movie):
        k = max(graph_neighbours(config, metric, frames) for metric in METRICS)
        needed, _ = graph_memory(frames, width, height, METRICS, METHODS, k)
    else:
        needed, _ = movie_memory(frames, width, height, METRICS, METHODS, TILE_FRAMES)
    return largest_ask(needed, frames, len(MOVIES)) // MB


def expected_movie_frames(wildcards, input):
    """Frames the movie will give, from its probe (0 for a movie not read)."""
    probe = load_json(local_copy(input.probe))
    if probe["error"]:
        return 0
    return expected_frames(probe["duration"], SETTINGS[wildcards.movie]["fps"]) or 1


def forced_dense(wildcards, input):
    """Resource: dense_max_frames when the config's number (not auto) puts the
    movie on the dense path, for the guard's advice; else 0."""
    limit = config["dense_max_frames"]
    if limit == "auto" or expected_movie_frames(wildcards, input) > limit:
        return 0
    return limit


def memory_partition(wildcards):
    """Resource: the SLURM partition whose largest node bounds the memory guard
    (memory_limit_gb auto), inside a job the SLURM executor submitted; "" for a
    local run (this machine's memory counts).

    Evaluated where the job runs: its own partition is the one the movie's large
    jobs go to as well (default-resources' slurm_partition, else the cluster's
    default), while its own allocation (1000 MB) says nothing of theirs.
    """
    if MEMORY_LIMIT_MB or not workflow.remote_exec:
        return ""
    return os.environ.get("SLURM_JOB_PARTITION", "")


# The small jobs' steps held 40 to 216 MB on the demo (docs/performance.md):
# 1000 MB, or room for 600 MB beside the Snakemake processes of a folder of
# more than about 5,100 movies.
SMALL_JOB_MB = max(1000, job_mb(600 * MB))
SMALL_JOB_MINUTES = 15


def at_least_small_job_mb(size):
    """mem_mb of a job whose step holds ``size`` bytes, at least a small job's."""
    return max(SMALL_JOB_MB, job_mb(size))


def npy_frames(movie, path):
    """Frames of ``movie``, from the first axis of its .npy ``path`` (an input of
    the job: a missing file, as before the frames are counted, makes Snakemake
    wait for the job), or in a storage from its frame count."""
    if SIZED_FROM_COUNTS:
        return frame_count(movie)
    return npy_shape(local_copy(path))[0]


def nearest_frames_mb(wildcards, input):
    """nearest_frames reads a dense path's whole matrix through a memory map:
    its ask passes a small job's from about 9,700 frames (its measured peak
    passes the 700 MB a small job leaves it at about 12,000); the graph's few
    neighbours a frame fit a small job."""
    source = input[0]
    if not source.endswith(".npy"):
        return SMALL_JOB_MB
    n = npy_frames(wildcards.movie, source)
    return at_least_small_job_mb(nearest_memory(n))


def plot_maps_mb(wildcards, input):
    """plot_maps draws every frame: more than a small job's memory past about
    30,000 frames."""
    n = npy_frames(wildcards.movie, input.scaled[0])
    return at_least_small_job_mb(pages_resources.plot_maps_memory(n))


def plot_maps_minutes(wildcards, input):
    n = npy_frames(wildcards.movie, input.scaled[0])
    return max(SMALL_JOB_MINUTES, pages_resources.plot_maps_minutes(n))


def viewer_mb(wildcards, input):
    """make_viewer holds the movie's items: more than a small job's memory past
    about 100,000 frames."""
    n = npy_frames(wildcards.movie, input.nearest[0])
    return at_least_small_job_mb(pages_resources.viewer_memory(n))


def viewer_minutes(wildcards, input):
    n = npy_frames(wildcards.movie, input.nearest[0])
    return max(SMALL_JOB_MINUTES, pages_resources.viewer_minutes(n))


# The folder map's own small jobs: Python and numpy, and per frame of the folder
# its JSON item (a dict of lists of floats, about 1.5 KB with six maps, and its
# text) with room to spare.
COLLECTION_FIXED = 300 * MB
COLLECTION_ITEM_BYTES = 4096
# scale and merge_json (seconds even at 10,000 frames): the maps group adds up its
# layers' runtimes, so its time limit stays near what the layouts need.
TINY_JOB_MINUTES = 5


def tile_sizes(wildcards, input):
    """(frames of the row block, of the column block, N, height, width)."""
    n, height, width = frames_shape(wildcards.movie, input.frames)
    rows, columns = (
        tile_range(int(index), n, TILE_FRAMES)
        for index in (wildcards.row, wildcards.column)
    )
    return rows[1] - rows[0], columns[1] - columns[0], n, height, width


def tile_mb(wildcards, input):
    rows, columns, n, height, width = tile_sizes(wildcards, input)
    diagonal = wildcards.row == wildcards.column
    metric = wildcards.metric
    return job_mb(tile_memory(metric, rows, columns, diagonal, n, width, height))


def tile_minutes(wildcards, input):
    rows, columns, _, height, width = tile_sizes(wildcards, input)
    diagonal = wildcards.row == wildcards.column
    return tile_runtime(wildcards.metric, rows, columns, diagonal, width, height)


def distances_mb(wildcards, input):
    n, height, width = frames_shape(wildcards.movie, input.frames)
    if input.tiles:
        return job_mb(assembly_memory(n, TILE_FRAMES))
    return job_mb(step_memory(f"distances_{wildcards.metric}", n, width, height))


def distances_minutes(wildcards, input):
    n, height, width = frames_shape(wildcards.movie, input.frames)
    if input.tiles:
        return SMALL_JOB_MINUTES
    return step_runtime(f"distances_{wildcards.metric}", n, width, height)


def graph_sizes(wildcards, input):
    """(metric, N, width, height, k) of a graph job."""
    n, height, width = frames_shape(wildcards.movie, input.frames)
    return wildcards.metric, n, width, height, graph_k(wildcards)


def graph_candidates_mb(wildcards, input):
    return job_mb(graph_candidates_memory(*graph_sizes(wildcards, input)))


def graph_candidates_minutes(wildcards, input):
    _, n, width, height, _ = graph_sizes(wildcards, input)
    return graph_candidates_runtime(n, width, height)


def graph_rerank_mb(wildcards, input):
    return job_mb(graph_rerank_memory(*graph_sizes(wildcards, input)))


def graph_rerank_minutes(wildcards, input):
    """The block's frames, and those of a group that starts in it and runs on."""
    metric, n, width, height, _ = graph_sizes(wildcards, input)
    start, stop = tile_range(int(wildcards.block), n, TILE_FRAMES)
    return graph_rerank_runtime(metric, stop - start + RERANK_ROWS, width, height)


def graph_merge_mb(wildcards, input):
    return job_mb(graph_merge_memory(*graph_sizes(wildcards, input)))


def graph_merge_minutes(wildcards, input):
    metric, n, width, height, _ = graph_sizes(wildcards, input)
    return graph_merge_runtime(metric, n, width, height)


def index_build_mb(wildcards, input):
    return job_mb(index_resources.build_memory(*graph_sizes(wildcards, input)))


def index_build_minutes(wildcards, input):
    _, n, width, height, _ = graph_sizes(wildcards, input)
    return index_resources.build_runtime(n, width, height)


def index_search_mb(wildcards, input):
    sizes = graph_sizes(wildcards, input)
    return job_mb(index_resources.search_memory(*sizes, TILE_FRAMES))


def index_search_minutes(wildcards, input):
    metric, n, width, height, _ = graph_sizes(wildcards, input)
    return index_resources.search_runtime(metric, n, width, height, TILE_FRAMES)


def refine_sizes(wildcards):
    """(metric, N, width, height, k) of an index_refine job, which reads the
    frames' luma, not the frames: the folder's count and its configured size
    (the folder map's frames are made at it)."""
    n, height, width = configured_shape(wildcards.movie)
    return wildcards.metric, n, width, height, graph_k(wildcards)


def index_refine_mb(wildcards):
    sizes = refine_sizes(wildcards)
    return job_mb(index_resources.refine_memory(*sizes, TILE_FRAMES))


def index_refine_minutes(wildcards):
    metric, n, width, height, _ = refine_sizes(wildcards)
    return index_resources.refine_runtime(metric, n, width, height, TILE_FRAMES)


def index_join_mb(wildcards):
    n = frame_count(wildcards.movie)
    return job_mb(index_resources.luma_join_memory(n, graph_k(wildcards)))


def index_join_minutes(wildcards, input):
    _, n, width, height, _ = graph_sizes(wildcards, input)
    return index_resources.join_runtime(n, width, height)


def index_graph_mb(wildcards):
    n = frame_count(wildcards.movie)
    return job_mb(index_resources.join_memory(n, graph_k(wildcards)))


def embed_frames(wildcards, input):
    """Frames the embed job lays out, from its input's header or count (a
    missing file, as before the frames are counted, makes Snakemake wait for
    the job)."""
    for name in ("frames", "distances"):
        if name in input.keys():
            return npy_frames(wildcards.movie, input[name])
    # Only the frame count, which Snakemake waits for (a missing input file).
    raise FileNotFoundError(errno.ENOENT, "frames not counted yet", input[0])


def embed_mb(wildcards, input):
    n = embed_frames(wildcards, input)
    if "frames" in input.keys():
        _, height, width = frames_shape(wildcards.movie, input.frames)
        k = graph_k(wildcards)
        options = embed_options(wildcards)
        umap_neighbors = None
        if wildcards.method == "umap":
            umap_neighbors = resolve_n_neighbors(options["n_neighbors"], n, graph=True)
        needed, _ = graph_memory(
            n, width, height, [], [wildcards.method], k, umap_neighbors
        )
        if wildcards.method == "umap" and options["init"] == "mds":
            # The landmarks' layout first, what it leaves behind counted as
            # held: the folder map's UMAP peaked above its own part without it
            # (docs/performance.md, "The folder map").
            landmarks, _ = graph_memory(n, width, height, [], ["mds"], k)
            needed += landmarks - GRAPH_FIXED
        return job_mb(needed)
    steps = [wildcards.method]
    if wildcards.method == "umap" and embed_options(wildcards)["init"] == "mds":
        steps.append("mds")  # classical MDS of the matrix first
    return job_mb(max(step_memory(f"embed_{step}", n, 0, 0) for step in steps))


def embed_threads(wildcards, input):
    """The layouts of the long-movie path and the folder map keep about one
    core busy whatever they are given (t-SNE and UMAP from the folder map of 100
    movies: 1.07 and 0.71 cores used with two, umap-learn running one thread
    when seeded; landmark MDS of a 50,000-frame movie 1.22): they ask for one,
    so that two of them run side by side. Those from a matrix ask for two."""
    if "frames" in input.keys():
        return 1
    return 2


def embed_minutes(wildcards, input):
    if "frames" in input.keys():
        return graph_runtime(embed_frames(wildcards, input))
    return step_runtime(f"embed_{wildcards.method}", embed_frames(wildcards, input))


def collection_frames_mb(wildcards, input):
    """A block of the movie's frames (their size, frames_shape's) being resized
    to the folder map's: the same whatever the movie's length."""
    if SIZED_FROM_COUNTS:
        settings = SETTINGS[wildcards.movie]
        height, width = settings["frame_height"], settings["frame_width"]
    else:
        _, height, width, _ = npy_shape(local_copy(input[0]))
    common = SETTINGS[COLLECTION]
    return job_mb(
        collection_resources.frames_memory(
            width, height, common["frame_width"], common["frame_height"]
        )
    )


def collection_join_mb(wildcards):
    """A block of the folder map's frames and of its table's rows being copied:
    the same whatever the folder's size."""
    common = SETTINGS[COLLECTION]
    return job_mb(
        collection_resources.join_memory(common["frame_width"], common["frame_height"])
    )


def collection_json_mb(wildcards, input):
    """The items as Python objects and their JSON text, per frame."""
    n = npy_frames(COLLECTION, input.scaled[0])
    return job_mb(COLLECTION_FIXED + COLLECTION_ITEM_BYTES * n)


def collection_page_mb(wildcards, input):
    """The items read from collection.json (Python objects take about ten times
    its text) and the page's arrays."""
    return job_mb(COLLECTION_FIXED + 12 * stored_size(input.json))


def reuse_window_sizes(input):
    """Each movie's windows, from the size of its descriptors (input.descriptors)."""
    return [descriptor_windows_sized(stored_size(path)) for path in input.descriptors]


def reuse_index_mb(wildcards, input):
    return job_mb(reuse_resources.index_memory(sum(reuse_window_sizes(input))))


def reuse_index_minutes(wildcards, input):
    return reuse_resources.index_minutes(sum(reuse_window_sizes(input)))


def reuse_block_rows(wildcards, input):
    """Windows the reuse_search job searches: its block's."""
    rows = reuse_search_rows(reuse_window_sizes(input))
    return max(
        0, min(REUSE_SEARCH_ROWS, rows - int(wildcards.block) * REUSE_SEARCH_ROWS)
    )


def reuse_search_mb(wildcards, input):
    windows = sum(reuse_window_sizes(input))
    rows = reuse_block_rows(wildcards, input)
    return job_mb(reuse_resources.search_memory(windows, rows))


def reuse_search_minutes(wildcards, input):
    return reuse_resources.search_minutes(reuse_block_rows(wildcards, input))


def reuse_threads(wildcards, input):
    """Rule reuse's threads: those of its search of every pair; one where it
    only joins the reuse_search jobs' pairs (past reuse.index_windows)."""
    return 1 if input.pairs else 8


def reuse_mb(wildcards, input):
    windows = sum(reuse_window_sizes(input))
    if input.pairs:
        return job_mb(reuse_resources.stretches_memory(windows))
    return job_mb(reuse_resources.job_memory(windows))


def reuse_minutes(wildcards, input):
    windows = sum(reuse_window_sizes(input))
    if input.pairs:
        return reuse_resources.stretches_minutes(windows)
    return reuse_resources.job_minutes(windows)


def extract_minutes(wildcards, input):
    return extract_runtime(load_json(local_copy(input.probe)).get("duration"))
