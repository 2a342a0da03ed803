# Sampled frames → one (N, N) float32 distance matrix per metric.


rule compute_distances:
    input:
        frames=f"{RESULTS}/{{movie}}/frames.npy",
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
