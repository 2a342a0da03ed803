# Sampled frames → one (N, N) float32 distance matrix per metric; a movie of more
# than tile_frames frames in tiles, one job each (temporary files), put together by
# compute_distances; each frame's nearest frames for the viewer (from the matrix,
# or from the neighbour graph of a long movie: graph.smk).


rule compute_distance_tile:
    input:
        frames=f"{RESULTS}/{{movie}}/frames.npy",
    output:
        temp(f"{RESULTS}/{{movie}}/tiles/{{metric}}_{{row}}_{{column}}.npy"),
    log:
        log_path("compute_distance_tile", "metric", "row", "column"),
    benchmark:
        benchmark_path("compute_distance_tile", "metric", "row", "column")
    conda:
        "../../envs/distances.yaml"
    threads: 8
    resources:
        mem_mb=tile_mb,
        runtime=tile_minutes,
    params:
        code=code_digest("distances.jobs"),
        mask=setting("mask"),
        tile_frames=TILE_FRAMES,
    script:
        "../../scripts/compute_distance_tile.py"


rule compute_distances:
    input:
        frames=f"{RESULTS}/{{movie}}/frames.npy",
        tiles=distance_tiles,
    output:
        f"{RESULTS}/{{movie}}/distances/{{metric}}.npy",
    log:
        log_path("compute_distances", "metric"),
    benchmark:
        benchmark_path("compute_distances", "metric")
    conda:
        "../../envs/distances.yaml"
    threads: 8
    resources:
        mem_mb=distances_mb,
        runtime=distances_minutes,
    params:
        code=code_digest("distances.jobs"),
        mask=setting("mask"),
    script:
        "../../scripts/compute_distances.py"


rule nearest_frames:
    input:
        pairs_source,
    output:
        f"{RESULTS}/{{movie}}/nearest/{{metric}}.npy",
    log:
        log_path("nearest_frames", "metric"),
    benchmark:
        benchmark_path("nearest_frames", "metric")
    conda:
        "../../envs/distances.yaml"
    threads: 1
    resources:
        mem_mb=nearest_frames_mb,
        runtime=SMALL_JOB_MINUTES,
    params:
        code=code_digest("distances.jobs"),
        k=VIEW["neighbours"],
    script:
        "../../scripts/nearest_frames.py"
