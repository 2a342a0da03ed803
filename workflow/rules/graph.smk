# Long movies (more than dense_max_frames frames): each frame's nearest frames
# per metric instead of an (N, N) matrix. Every pair compared at a reduced size
# in one job (each frame's candidates, the heatmap's block averages), the
# candidates re-ranked at full size in blocks of tile_frames frames, one job
# each (temporary parts), put together by neighbour_graph.


rule graph_candidates:
    input:
        frames=f"{RESULTS}/{{movie}}/frames.npy",
        # k comes from the frame count: a job on a cluster node reads it again
        # (Snakemake wants a checkpoint's file as an input).
        counted=f"{RESULTS}/{{movie}}/frame_count.txt",
    output:
        candidates=temp(f"{RESULTS}/{{movie}}/graph_parts/{{metric}}_candidates.npz"),
        reduced=temp(f"{RESULTS}/{{movie}}/graph_parts/{{metric}}_reduced.npz"),
        heatmap=f"{RESULTS}/{{movie}}/graph/{{metric}}_heatmap.npy",
    log:
        log_path("graph_candidates", "metric"),
    benchmark:
        benchmark_path("graph_candidates", "metric")
    conda:
        "../../envs/distances.yaml"
    # It kept 1.4 cores busy with two (a 50,000-frame movie), and a job of two
    # threads waits for both cores while others use one (that movie's hsl
    # candidates waited 92 s beside a t-SNE).
    threads: 1
    resources:
        mem_mb=graph_candidates_mb,
        runtime=graph_candidates_minutes,
    params:
        code=code_digest("graph.jobs"),
        k=graph_k,
        mask=setting("mask"),
    script:
        "../../scripts/graph_candidates.py"


rule graph_rerank:
    input:
        frames=f"{RESULTS}/{{movie}}/frames.npy",
        counted=f"{RESULTS}/{{movie}}/frame_count.txt",
        candidates=f"{RESULTS}/{{movie}}/graph_parts/{{metric}}_candidates.npz",
    output:
        temp(f"{RESULTS}/{{movie}}/graph_parts/{{metric}}_rerank_{{block}}.npz"),
    log:
        log_path("graph_rerank", "metric", "block"),
    benchmark:
        benchmark_path("graph_rerank", "metric", "block")
    conda:
        "../../envs/distances.yaml"
    # It kept about one core busy with two (a 50,000-frame movie: 1.1 cores
    # used; docs/performance.md): one, so that two blocks run side by side. The
    # re-rank writes the same bits on one thread or two (index_search's, in
    # tests/unit/test_index.py).
    threads: 1
    resources:
        mem_mb=graph_rerank_mb,
        runtime=graph_rerank_minutes,
    params:
        code=code_digest("graph.jobs"),
        k=graph_k,
        mask=setting("mask"),
        tile_frames=TILE_FRAMES,
    script:
        "../../scripts/graph_rerank.py"


rule neighbour_graph:
    input:
        frames=f"{RESULTS}/{{movie}}/frames.npy",
        counted=f"{RESULTS}/{{movie}}/frame_count.txt",
        reduced=f"{RESULTS}/{{movie}}/graph_parts/{{metric}}_reduced.npz",
        candidates=f"{RESULTS}/{{movie}}/graph_parts/{{metric}}_candidates.npz",
        parts=rerank_parts,
    output:
        f"{RESULTS}/{{movie}}/graph/{{metric}}.npz",
    log:
        log_path("neighbour_graph", "metric"),
    benchmark:
        benchmark_path("neighbour_graph", "metric")
    conda:
        "../../envs/distances.yaml"
    # One: a job of two threads waits until both cores are free, and this one
    # waited 260 s for a one-thread job to end (a 50,000-frame movie, hsl,
    # docs/performance.md), its maps with it. gray's second pass compares
    # bytes and re-ranks, which give the same bits on one thread or two; hsl's
    # job only joins the blocks.
    threads: 1
    resources:
        mem_mb=graph_merge_mb,
        runtime=graph_merge_minutes,
    params:
        code=code_digest("graph.jobs"),
        k=graph_k,
        mask=setting("mask"),
    script:
        "../../scripts/neighbour_graph.py"
