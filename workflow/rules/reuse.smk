# Where footage repeats: each movie decoded once more, small, into window
# descriptors (kept per movie: adding a movie describes only it), then every
# movie's windows against every other's → results/reuse.tsv, and its copy for
# the pages, results/reuse.js. Up to reuse.index_windows windows rule reuse
# searches them itself; beyond, the search runs through an index as jobs of
# bounded size: reuse_index builds it (temporary), reuse_search searches a
# block of windows, one job each, and reuse joins their pairs. Which, is known
# once the descriptors are made (a checkpoint: their windows).


checkpoint reuse_descriptors:
    input:
        source=source_link,
        probe=f"{RESULTS}/{{movie}}/probe.json",
        # Only once the movie's frames are made: a movie that cannot be decoded
        # fails once, in extract_frames. Its time never reruns this.
        frames=ancient(f"{RESULTS}/{{movie}}/frames.tsv"),
    output:
        f"{RESULTS}/{{movie}}/reuse/descriptors.npz",
    log:
        # The folder stage's: a movie's own logs name only its own steps' failures.
        f"{RESULTS}/logs/reuse_descriptors_{{movie}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/reuse_descriptors_{{movie}}.tsv"
    wildcard_constraints:
        movie=MOVIE_ONLY,
    conda:
        "../../envs/frames.yaml"
    threads: 1
    resources:
        mem_mb=SMALL_JOB_MB,
        runtime=extract_minutes,
    params:
        code=code_digest("reuse.descriptors"),
        fps=REUSE["fps"],
    script:
        "../../scripts/reuse_descriptors.py"


rule reuse:
    input:
        # Every movie's descriptors, and past reuse.index_windows windows the
        # reuse_search jobs' pairs.
        unpack(reuse_inputs),
    output:
        f"{RESULTS}/reuse.tsv",
    log:
        f"{RESULTS}/logs/reuse.log",
    benchmark:
        f"{RESULTS}/benchmarks/reuse.tsv"
    conda:
        "../../envs/index.yaml"
    threads: reuse_threads
    resources:
        mem_mb=reuse_mb,
        runtime=reuse_minutes,
    params:
        code=code_digest("reuse.jobs"),
        movies=REUSE_MOVIES,
        min_seconds=REUSE["min_seconds"],
    script:
        "../../scripts/reuse.py"


rule reuse_index:
    input:
        descriptors=expand(
            f"{RESULTS}/{{movie}}/reuse/descriptors.npz", movie=REUSE_MOVIES
        ),
    output:
        temp(f"{RESULTS}/reuse/windows.faiss"),
    log:
        f"{RESULTS}/logs/reuse_index.log",
    benchmark:
        f"{RESULTS}/benchmarks/reuse_index.tsv"
    conda:
        "../../envs/index.yaml"
    # One, as reuse_search: a job of two threads waits until both cores are
    # free while one-thread jobs keep one busy, and rule reuse waits for it; the
    # same bits on one thread or two (tests/unit/test_reuse_search.py).
    threads: 1
    resources:
        mem_mb=reuse_index_mb,
        runtime=reuse_index_minutes,
    params:
        code=code_digest("reuse.search"),
        movies=REUSE_MOVIES,
    script:
        "../../scripts/reuse_index.py"


rule reuse_search:
    input:
        descriptors=expand(
            f"{RESULTS}/{{movie}}/reuse/descriptors.npz", movie=REUSE_MOVIES
        ),
        index=f"{RESULTS}/reuse/windows.faiss",
    output:
        temp(f"{RESULTS}/reuse/pairs_{{block}}.npz"),
    log:
        f"{RESULTS}/logs/reuse_search_{{block}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/reuse_search_{{block}}.tsv"
    wildcard_constraints:
        block=r"\d+",
    conda:
        "../../envs/index.yaml"
    threads: 1
    resources:
        mem_mb=reuse_search_mb,
        runtime=reuse_search_minutes,
    params:
        code=code_digest("reuse.search"),
        movies=REUSE_MOVIES,
        min_seconds=REUSE["min_seconds"],
    script:
        "../../scripts/reuse_search.py"


rule reuse_script:
    input:
        table=f"{RESULTS}/reuse.tsv",
        frames=expand(f"{RESULTS}/{{movie}}/frames.tsv", movie=REUSE_MOVIES),
    output:
        f"{RESULTS}/reuse.js",
    log:
        f"{RESULTS}/logs/reuse_script.log",
    conda:
        "../../envs/pages.yaml"
    threads: 1
    resources:
        mem_mb=SMALL_JOB_MB,
        runtime=SMALL_JOB_MINUTES,
    params:
        code=code_digest("pages.reuse"),
        files={movie: MOVIES[movie]["file"] for movie in REUSE_MOVIES},
    script:
        "../../scripts/reuse_script.py"
