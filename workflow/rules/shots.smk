# Shots: each movie decoded once more at its own frame rate, small, into about
# a kilobyte a frame (shot_features); where each shot begins and which shots
# show the same set-up (shot_list → results/<movie>/shots.tsv); the editors'
# files (shot_exports: EDL, OTIO, WebVTT chapters); the folder's table
# (shot_table → results/shots.tsv). The heatmaps, viewers and index of
# pages.smk show them. Changing shots: in the config reruns these, the
# heatmaps and the pages, nothing else.

from framescape.shots.features import FEATURE_FILES as SHOT_FEATURES  # noqa: E402

# The shot stage's pictures (pages.smk): their jobs are the stage's too.
SHOT_PICTURES = ("plot_barcode", "plot_cutting_rate")


rule shot_features:
    input:
        source=source_link,
        probe=f"{RESULTS}/{{movie}}/probe.json",
        # Only once the movie's frames are made: a movie that cannot be decoded
        # fails once, in extract_frames. Its time never reruns this.
        frames=ancient(f"{RESULTS}/{{movie}}/frames.tsv"),
    output:
        **{name: f"{RESULTS}/{{movie}}/shots/{name}.npy" for name in SHOT_FEATURES},
    log:
        # The folder stage's: a movie's own logs name only its own steps' failures.
        f"{RESULTS}/logs/shot_features_{{movie}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/shot_features_{{movie}}.tsv"
    wildcard_constraints:
        movie=MOVIE_ONLY,
    conda:
        "../../envs/frames.yaml"
    threads: 2
    resources:
        mem_mb=SMALL_JOB_MB,
        runtime=extract_minutes,
    params:
        code=code_digest("shots.decode"),
        file=movie_file,
    script:
        "../../scripts/shot_features.py"


rule shot_list:
    input:
        **{name: f"{RESULTS}/{{movie}}/shots/{name}.npy" for name in SHOT_FEATURES},
        probe=f"{RESULTS}/{{movie}}/probe.json",
    output:
        f"{RESULTS}/{{movie}}/shots.tsv",
    log:
        f"{RESULTS}/logs/shot_list_{{movie}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/shot_list_{{movie}}.tsv"
    wildcard_constraints:
        movie=MOVIE_ONLY,
    conda:
        "../../envs/shots.yaml"
    threads: 1
    resources:
        mem_mb=SMALL_JOB_MB,
        runtime=extract_minutes,
    params:
        code=code_digest("shots.find"),
        settings=shot_settings(),
        group_distance=SHOTS["group_distance"],
    script:
        "../../scripts/shot_list.py"


rule shot_table:
    input:
        expand(f"{RESULTS}/{{movie}}/shots.tsv", movie=SHOTS_MOVIES),
    output:
        f"{RESULTS}/shots.tsv",
    log:
        f"{RESULTS}/logs/shot_table.log",
    conda:
        "../../envs/shots.yaml"
    threads: 1
    resources:
        mem_mb=SMALL_JOB_MB,
        runtime=SMALL_JOB_MINUTES,
    params:
        code=code_digest("shots.table"),
        movies=SHOTS_MOVIES,
    script:
        "../../scripts/shot_table.py"


rule shot_exports:
    input:
        shots=f"{RESULTS}/{{movie}}/shots.tsv",
        times=f"{RESULTS}/{{movie}}/shots/times.npy",
        probe=f"{RESULTS}/{{movie}}/probe.json",
    output:
        otio=f"{RESULTS}/{{movie}}/shots.otio",
        edl=f"{RESULTS}/{{movie}}/shots.edl",
        vtt=f"{RESULTS}/{{movie}}/chapters.vtt",
    log:
        f"{RESULTS}/logs/shot_exports_{{movie}}.log",
    wildcard_constraints:
        movie=MOVIE_ONLY,
    conda:
        "../../envs/shots.yaml"
    threads: 1
    resources:
        mem_mb=SMALL_JOB_MB,
        runtime=SMALL_JOB_MINUTES,
    params:
        code=code_digest("shots.exports"),
        movie=movie_path,
    script:
        "../../scripts/shot_exports.py"
