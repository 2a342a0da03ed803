# Scheduler resources (threads, mem_mb in MB, runtime in minutes) for every rule;
# the sizes come from framescape.resources, measured per step. Functions of the
# job's input read only .npy headers and probe.json, once the job is ready.

from framescape.common import npy_shape  # noqa: E402
from framescape.movies import expected_frames  # noqa: E402
from framescape.resources import (  # noqa: E402
    MB,
    assembly_memory,
    extract_runtime,
    movie_memory,
    step_memory,
    step_runtime,
    tile_memory,
    tile_runtime,
)
from framescape.tiles import (  # noqa: E402
    read_frame_count,
    tile_count,
    tile_pairs,
    tile_range,
)


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
