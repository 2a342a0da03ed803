# Sampled frames → one (N, N) float32 distance matrix per metric; a movie of more
# than tile_frames frames in tiles, one job each (temporary files), put together by
# compute_distances.


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
        mask=setting("mask"),
        tile_frames=TILE_FRAMES,
    script:
        "../../scripts/distances.py"


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
        mask=setting("mask"),
    script:
        "../../scripts/distances.py"
