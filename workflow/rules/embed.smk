# A distance matrix (a long movie: its neighbour graph and frames) → 2-D
# coordinates, per method.


rule embed:
    input:
        unpack(embed_inputs),
    output:
        f"{RESULTS}/{{movie}}/embeddings/{{method}}_{{metric}}.npy",
    log:
        log_path("embed", "method", "metric"),
    benchmark:
        benchmark_path("embed", "method", "metric")
    conda:
        "../../envs/embed.yaml"
    threads: embed_threads
    resources:
        mem_mb=embed_mb,
        runtime=embed_minutes,
    params:
        code=code_digest("embed.jobs"),
        options=embed_options,
        random_state=RANDOM_STATE,
        mask=setting("mask"),
    script:
        "../../scripts/embed.py"
