# The folder map beyond collection.index_frames frames: its neighbour graph
# through an index instead of every pair (graph.smk). index_build reduces and
# projects every frame and builds the index (temporary), index_search searches
# and re-ranks a block of frames, one job each; for the metrics refined
# (framescape.index.parameters.REFINE_WIDTH, gray) index_join puts their
# neighbours together once and makes every frame's luma, and index_refine
# re-ranks a block again among its neighbours' neighbours, in up to
# REFINE_ROUNDS rounds; index_graph joins the blocks into
# graph/<metric>_index.npz, which the maps read.


rule index_build:
    input:
        frames=f"{RESULTS}/{{movie}}/frames.npy",
        # k comes from the frame count: a job on a cluster node reads it again.
        counted=f"{RESULTS}/{{movie}}/frame_count.txt",
    output:
        projected=temp(f"{RESULTS}/{{movie}}/index_parts/{{metric}}_projected.npy"),
        index=temp(f"{RESULTS}/{{movie}}/index_parts/{{metric}}.faiss"),
        plan=temp(f"{RESULTS}/{{movie}}/index_parts/{{metric}}_plan.npz"),
    log:
        log_path("index_build", "metric"),
    benchmark:
        benchmark_path("index_build", "metric")
    conda:
        "../../envs/index.yaml"
    threads: 8
    resources:
        mem_mb=index_build_mb,
        runtime=index_build_minutes,
    params:
        code=code_digest("index.jobs"),
        k=graph_k,
        mask=setting("mask"),
    script:
        "../../scripts/index_build.py"


rule index_search:
    input:
        frames=f"{RESULTS}/{{movie}}/frames.npy",
        counted=f"{RESULTS}/{{movie}}/frame_count.txt",
        projected=f"{RESULTS}/{{movie}}/index_parts/{{metric}}_projected.npy",
        index=f"{RESULTS}/{{movie}}/index_parts/{{metric}}.faiss",
        plan=f"{RESULTS}/{{movie}}/index_parts/{{metric}}_plan.npz",
    output:
        temp(f"{RESULTS}/{{movie}}/index_parts/{{metric}}_search_{{block}}.npz"),
    log:
        log_path("index_search", "metric", "block"),
    benchmark:
        benchmark_path("index_search", "metric", "block")
    conda:
        "../../envs/index.yaml"
    # It kept one core busy with two (the folder of 100 movies: 1.00 cores
    # used, the re-rank's small products and its features on one): one, so
    # that two blocks run side by side; the same bits either way.
    threads: 1
    resources:
        mem_mb=index_search_mb,
        runtime=index_search_minutes,
    params:
        code=code_digest("index.jobs"),
        k=graph_k,
        mask=setting("mask"),
        tile_frames=TILE_FRAMES,
    script:
        "../../scripts/index_search.py"


rule index_join:
    input:
        frames=f"{RESULTS}/{{movie}}/frames.npy",
        counted=f"{RESULTS}/{{movie}}/frame_count.txt",
        parts=search_parts,
    output:
        searched=temp(f"{RESULTS}/{{movie}}/index_parts/{{metric}}_searched.npy"),
        luma=temp(f"{RESULTS}/{{movie}}/index_parts/{{metric}}_luma.npy"),
    log:
        log_path("index_join", "metric"),
    benchmark:
        benchmark_path("index_join", "metric")
    conda:
        "../../envs/index.yaml"
    threads: 1
    resources:
        mem_mb=index_join_mb,
        runtime=index_join_minutes,
    params:
        code=code_digest("index.jobs"),
        k=graph_k,
        frames=lambda wildcards: frame_count(wildcards.movie),
        mask=setting("mask"),
    script:
        "../../scripts/index_join.py"


rule index_refine:
    input:
        # Every frame's luma, not the frames: a third of their bytes to move
        # to a node without a shared file system.
        luma=f"{RESULTS}/{{movie}}/index_parts/{{metric}}_luma.npy",
        counted=f"{RESULTS}/{{movie}}/frame_count.txt",
        searched=f"{RESULTS}/{{movie}}/index_parts/{{metric}}_searched.npy",
    output:
        temp(f"{RESULTS}/{{movie}}/index_parts/{{metric}}_refine_{{block}}.npz"),
    log:
        log_path("index_refine", "metric", "block"),
    benchmark:
        benchmark_path("index_refine", "metric", "block")
    conda:
        "../../envs/index.yaml"
    # One, as index_search: its re-rank keeps one core busy.
    threads: 1
    resources:
        mem_mb=index_refine_mb,
        runtime=index_refine_minutes,
    params:
        code=code_digest("index.jobs"),
        k=graph_k,
        tile_frames=TILE_FRAMES,
    script:
        "../../scripts/index_refine.py"


rule index_graph:
    input:
        counted=f"{RESULTS}/{{movie}}/frame_count.txt",
        plan=f"{RESULTS}/{{movie}}/index_parts/{{metric}}_plan.npz",
        parts=refine_parts,
    output:
        f"{RESULTS}/{{movie}}/graph/{{metric}}_index.npz",
    log:
        log_path("index_graph", "metric"),
    benchmark:
        benchmark_path("index_graph", "metric")
    conda:
        "../../envs/index.yaml"
    threads: 1
    resources:
        mem_mb=index_graph_mb,
        runtime=SMALL_JOB_MINUTES,
    params:
        code=code_digest("index.jobs"),
        k=graph_k,
        frames=lambda wildcards: frame_count(wildcards.movie),
    script:
        "../../scripts/index_graph.py"
