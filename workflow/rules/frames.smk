# A movie's file → a safe link → its header → sampled frames (PNG, .npy, .tsv).


localrules:
    link_movie,
    list_movies,


rule link_movie:
    output:
        f"{RESULTS}/{{movie}}/source.{{ext}}",
    log:
        log_path("link_movie", "ext"),
    benchmark:
        benchmark_path("link_movie", "ext")
    threads: 1
    resources:
        mem_mb=SMALL_JOB_MB,
        runtime=SMALL_JOB_MINUTES,
    params:
        movie=movie_path,
        stamp=movie_stamp,
    run:
        link_movie(params.movie, output[0], log[0])


rule probe_movie:
    input:
        source=source_link,
    output:
        f"{RESULTS}/{{movie}}/probe.json",
    log:
        log_path("probe_movie"),
    benchmark:
        benchmark_path("probe_movie")
    conda:
        "../../envs/frames.yaml"
    threads: 1
    resources:
        mem_mb=SMALL_JOB_MB,
        runtime=SMALL_JOB_MINUTES,
    params:
        file=movie_file,
    script:
        "../../scripts/frames.py"


# A checkpoint: the frame count decides whether a movie's distances are tiled.
checkpoint extract_frames:
    input:
        source=source_link,
        probe=f"{RESULTS}/{{movie}}/probe.json",
    output:
        frames_dir=directory(f"{RESULTS}/{{movie}}/frames"),
        frames_npy=f"{RESULTS}/{{movie}}/frames.npy",
        frames_tsv=f"{RESULTS}/{{movie}}/frames.tsv",
    log:
        log_path("extract_frames"),
    benchmark:
        benchmark_path("extract_frames")
    conda:
        "../../envs/frames.yaml"
    threads: 2
    resources:
        mem_mb=SMALL_JOB_MB,
        runtime=extract_minutes,
        movie_memory_mb=movie_memory_mb,
        memory_limit_mb=MEMORY_LIMIT_MB,
    params:
        file=movie_file,
        fps=setting("fps"),
        width=setting("frame_width"),
        height=setting("frame_height"),
        keep_aspect=setting("keep_aspect"),
    script:
        "../../scripts/frames.py"


rule list_movies:
    input:
        probes=expand(f"{RESULTS}/{{movie}}/probe.json", movie=MOVIES),
    output:
        f"{RESULTS}/movies.tsv",
    log:
        f"{RESULTS}/logs/list_movies.log",
    benchmark:
        f"{RESULTS}/benchmarks/list_movies.tsv"
    conda:
        "../../envs/frames.yaml"
    threads: 1
    resources:
        mem_mb=SMALL_JOB_MB,
        runtime=SMALL_JOB_MINUTES,
    params:
        movies=list(MOVIES),
        files=movie_files,
        fps=[SETTINGS[movie]["fps"] for movie in MOVIES],
    script:
        "../../scripts/movies.py"
