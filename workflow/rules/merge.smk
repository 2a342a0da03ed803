# Coordinates → the padded unit square → one JSON per movie.


rule scale:
    input:
        f"{RESULTS}/{{movie}}/embeddings/{{method}}_{{metric}}.npy",
    output:
        f"{RESULTS}/{{movie}}/scaled/{{method}}_{{metric}}.npy",
    log:
        log_path("scale", "method", "metric"),
    benchmark:
        benchmark_path("scale", "method", "metric")
    conda:
        "../../envs/merge.yaml"
    threads: 1
    resources:
        mem_mb=SMALL_JOB_MB,
        runtime=TINY_JOB_MINUTES,
    params:
        code=code_digest("merge.coordinates"),
        scale=SCALE,
    script:
        "../../scripts/scale.py"


rule merge_json:
    input:
        frames_tsv=f"{RESULTS}/{{movie}}/frames.tsv",
        scaled=scaled_embeddings,
    output:
        f"{RESULTS}/{{movie}}.json",
    log:
        log_path("merge_json"),
    benchmark:
        benchmark_path("merge_json")
    wildcard_constraints:
        movie=MOVIE_ONLY,
    conda:
        "../../envs/merge.yaml"
    threads: 1
    resources:
        mem_mb=SMALL_JOB_MB,
        runtime=TINY_JOB_MINUTES,
    params:
        code=code_digest("merge.coordinates"),
        names=MAP_NAMES,
    script:
        "../../scripts/merge_json.py"
