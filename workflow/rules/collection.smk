# One map of the whole folder: each movie's frames at the common size (kept per
# movie), all of them joined as the frames of one movie named "collection",
# which then takes the long-movie path of graph.smk, embed.smk and merge.smk
# (its neighbour graph in tiles, its maps) → results/collection.json and
# results/collection.html.


rule collection_frames:
    input:
        f"{RESULTS}/{{movie}}/frames.npy",
    output:
        f"{RESULTS}/{{movie}}/collection/frames.npy",
    log:
        # The folder map's: a movie's own logs name only its own steps' failures.
        f"{RESULTS}/{COLLECTION}/logs/collection_frames_{{movie}}.log",
    benchmark:
        benchmark_path("collection_frames")
    conda:
        "../../envs/distances.yaml"
    threads: 1
    resources:
        mem_mb=collection_frames_mb,
        runtime=SMALL_JOB_MINUTES,
    params:
        code=code_digest("collection.frames"),
        width=SETTINGS[COLLECTION]["frame_width"],
        height=SETTINGS[COLLECTION]["frame_height"],
    script:
        "../../scripts/collection_frames.py"


rule collection_join:
    input:
        frames=expand(
            f"{RESULTS}/{{movie}}/collection/frames.npy", movie=COLLECTION_MOVIES
        ),
        tables=expand(f"{RESULTS}/{{movie}}/frames.tsv", movie=COLLECTION_MOVIES),
    output:
        frames=f"{RESULTS}/{COLLECTION}/frames.npy",
        table=f"{RESULTS}/{COLLECTION}/frames.tsv",
    log:
        f"{RESULTS}/{COLLECTION}/logs/collection_join.log",
    benchmark:
        f"{RESULTS}/{COLLECTION}/benchmarks/collection_join.tsv"
    conda:
        "../../envs/distances.yaml"
    threads: 1
    resources:
        mem_mb=collection_join_mb,
        runtime=SMALL_JOB_MINUTES,
    params:
        code=code_digest("collection.join"),
        movies=COLLECTION_MOVIES,
    script:
        "../../scripts/collection_join.py"


rule collection_json:
    input:
        table=f"{RESULTS}/{COLLECTION}/frames.tsv",
        scaled=expand(
            f"{RESULTS}/{COLLECTION}/scaled/{{name}}.npy", name=COLLECTION_MAP_NAMES
        ),
    output:
        f"{RESULTS}/{COLLECTION}.json",
    log:
        f"{RESULTS}/{COLLECTION}/logs/collection_json.log",
    benchmark:
        f"{RESULTS}/{COLLECTION}/benchmarks/collection_json.tsv"
    conda:
        "../../envs/merge.yaml"
    threads: 1
    resources:
        mem_mb=collection_json_mb,
        runtime=SMALL_JOB_MINUTES,
    params:
        code=code_digest("collection.maps"),
        names=COLLECTION_MAP_NAMES,
    script:
        "../../scripts/collection_json.py"
