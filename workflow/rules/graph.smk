# Long movies (more than dense_max_frames frames): each frame's nearest frames
# per metric instead of an (N, N) matrix, in tiles of tile_frames, one job each
# (temporary parts), put together by neighbour_graph with the heatmap's block
# averages.


rule graph_tile:
    input:
        frames=f"{RESULTS}/{{movie}}/frames.npy",
        # k and the tiles come from the frame count: a job on a cluster node
        # reads it again (Snakemake wants a checkpoint's file as an input).
        counted=f"{RESULTS}/{{movie}}/frame_count.txt",
        diagonals=diagonal_parts,
    output:
        temp(f"{RESULTS}/{{movie}}/graph_tiles/{{metric}}_{{row}}_{{column}}.npz"),
    log:
        log_path("graph_tile", "metric", "row", "column"),
    benchmark:
        benchmark_path("graph_tile", "metric", "row", "column")
    conda:
        "../../envs/distances.yaml"
    threads: 8
    resources:
        mem_mb=graph_tile_mb,
        runtime=tile_minutes,
    params:
        code=code_digest("graph"),
        k=graph_k,
        mask=setting("mask"),
        tile_frames=TILE_FRAMES,
    script:
        "../../scripts/graph_tile.py"


rule neighbour_graph:
    input:
        frames=f"{RESULTS}/{{movie}}/frames.npy",
        counted=f"{RESULTS}/{{movie}}/frame_count.txt",
        parts=graph_parts,
    output:
        graph=f"{RESULTS}/{{movie}}/graph/{{metric}}.npz",
        heatmap=f"{RESULTS}/{{movie}}/graph/{{metric}}_heatmap.npy",
    log:
        log_path("neighbour_graph", "metric"),
    benchmark:
        benchmark_path("neighbour_graph", "metric")
    conda:
        "../../envs/distances.yaml"
    threads: 2
    resources:
        mem_mb=graph_merge_mb,
        runtime=SMALL_JOB_MINUTES,
    params:
        code=code_digest("graph"),
        k=graph_k,
        tile_frames=TILE_FRAMES,
    script:
        "../../scripts/neighbour_graph.py"
