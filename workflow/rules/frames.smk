# A movie's file → a safe link → its header → sampled frames (PNG, .npy, .tsv).


localrules:
    link_movie,
    list_movies,


# count_frames reads frames.npy's header: in Snakemake's own process unless the
# results are in a storage, where that would fetch every movie's whole frames
# to this machine (gigabytes for a long movie) for a few bytes.
if not RESULTS_IN_STORAGE:

    localrules:
        count_frames,


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
        code=code_digest("run.movies"),
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
        code=code_digest("frames.probe"),
        file=movie_file,
    script:
        "../../scripts/probe_movie.py"


rule extract_frames:
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
    wildcard_constraints:
        movie=MOVIE_ONLY,
    conda:
        "../../envs/frames.yaml"
    threads: 2
    resources:
        mem_mb=SMALL_JOB_MB,
        runtime=extract_minutes,
        movie_memory_mb=movie_memory_mb,
        memory_limit_mb=GUARD_LIMIT_MB,
        memory_partition=memory_partition,
        dense_max=forced_dense,
    params:
        code=code_digest("frames.extract"),
        file=movie_file,
        fps=setting("fps"),
        width=setting("frame_width"),
        height=setting("frame_height"),
        keep_aspect=setting("keep_aspect"),
    script:
        "../../scripts/extract_frames.py"


# How many frames a movie gave: it decides whether its distances are tiled, so
# the tile jobs join the plan once it is known. A checkpoint of its own, read by
# compute_distances alone: Snakemake rebuilds a checkpoint's direct dependents
# after it runs, and a rebuilt job of a group (merge_json of the profile's maps
# group reads frames.tsv) went missing from its group (KeyError, Snakemake
# issues 2151 and 4202).
checkpoint count_frames:
    input:
        frames=f"{RESULTS}/{{movie}}/frames.npy",
    output:
        f"{RESULTS}/{{movie}}/frame_count.txt",
    log:
        log_path("count_frames"),
    benchmark:
        benchmark_path("count_frames")
    threads: 1
    resources:
        mem_mb=SMALL_JOB_MB,
        runtime=TINY_JOB_MINUTES,
    params:
        code=code_digest("frames.count"),
    run:
        write_frame_count(input.frames, output[0])


rule list_movies:
    input:
        # Not those of movies that failed: a probe that keeps failing would
        # hold the table back (run.movies.write_movies_tsv).
        probes=[
            f"{RESULTS}/{movie}/probe.json"
            for movie in MOVIES
            if movie not in FAILED_MOVIES
        ],
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
        code=code_digest("run.movies"),
        movies=list(MOVIES),
        files=movie_files,
        fps=[SETTINGS[movie]["fps"] for movie in MOVIES],
        failed=FAILED_MOVIES,
    script:
        "../../scripts/list_movies.py"
