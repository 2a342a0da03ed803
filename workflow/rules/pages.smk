# Pictures and pages: static plots, the viewer and the index.

from importlib.metadata import distributions  # noqa: E402

# BokehJS, the viewer's script and style sheet, and a manifest naming the Bokeh
# they came from: copied by the job's own Bokeh, which the page jobs compare
# with theirs (a mismatch fails with what to delete). Nothing here imports
# bokeh: planning a run stays light.
VIEWER_ASSETS = f"{RESULTS}/_viewer"
# The Bokeh installed beside Snakemake, from its package metadata (None without
# one): a parameter of copy_viewer_assets, so that upgrading it copies the new
# BokehJS and remakes the pages.
BOKEH_BESIDE_SNAKEMAKE = next(
    (package.version for package in distributions(name="bokeh")), None
)


rule plot_maps:
    input:
        frames_tsv=f"{RESULTS}/{{movie}}/frames.tsv",
        frames_dir=f"{RESULTS}/{{movie}}/frames",
        scaled=scaled_embeddings,
    output:
        report(
            f"{RESULTS}/{{movie}}/plots/maps.png",
            caption="../report/maps.rst",
            category="Maps",
            subcategory="{movie}",
            labels={"movie": "{movie}", "figure": "maps"},
        ),
    log:
        log_path("plot_maps"),
    benchmark:
        benchmark_path("plot_maps")
    conda:
        "../../envs/pages.yaml"
    threads: 1
    resources:
        mem_mb=plot_maps_mb,
        runtime=plot_maps_minutes,
    params:
        code=code_digest("pages.plots"),
        names=MAP_NAMES,
        title=movie_file,
        thumbnails=VIEW["thumbnails"],
    script:
        "../../scripts/plot_maps.py"


rule plot_distances:
    input:
        frames_tsv=f"{RESULTS}/{{movie}}/frames.tsv",
        # Its shape names the reduced blocks a long movie's heatmap averages.
        frames=f"{RESULTS}/{{movie}}/frames.npy",
        distances=heatmap_source,
        # Where shots start, drawn over the heatmap (none without the stage).
        shots=movie_shots_tsv,
    output:
        report(
            f"{RESULTS}/{{movie}}/plots/distances_{{metric}}.png",
            caption="../report/distances.rst",
            category="Self-similarity",
            subcategory="{movie}",
            labels={"movie": "{movie}", "metric": "{metric}"},
        ),
    log:
        log_path("plot_distances", "metric"),
    benchmark:
        benchmark_path("plot_distances", "metric")
    conda:
        "../../envs/pages.yaml"
    threads: 1
    resources:
        mem_mb=SMALL_JOB_MB,
        runtime=SMALL_JOB_MINUTES,
    params:
        code=code_digest("pages.plots"),
        title=movie_file,
    script:
        "../../scripts/plot_distances.py"


rule copy_viewer_assets:
    output:
        folder=directory(VIEWER_ASSETS),
    log:
        f"{RESULTS}/logs/copy_viewer_assets.log",
    conda:
        "../../envs/pages.yaml"
    threads: 1
    resources:
        mem_mb=SMALL_JOB_MB,
        runtime=SMALL_JOB_MINUTES,
    params:
        code=code_digest("pages.toolkit", "pages/assets"),
        bokeh=BOKEH_BESIDE_SNAKEMAKE,
    script:
        "../../scripts/copy_viewer_assets.py"


rule make_viewer:
    input:
        # shots.tsv, barcode and heatmaps when the shot stage takes the movie.
        unpack(viewer_shot_inputs),
        # The frames, where the results are in a storage.
        unpack(stored_viewer_inputs),
        json=f"{RESULTS}/{{movie}}.json",
        probe=f"{RESULTS}/{{movie}}/probe.json",
        nearest=expand(
            f"{RESULTS}/{{movie}}/nearest/{{metric}}.npy",
            metric=METRICS,
            allow_missing=True,
        ),
        assets=rules.copy_viewer_assets.output.folder,
    output:
        page=f"{RESULTS}/{{movie}}.html",
        nearest=f"{RESULTS}/{{movie}}/nearest.js",
        thumbnails=f"{RESULTS}/{{movie}}/thumbnails.js",
    log:
        log_path("make_viewer"),
    benchmark:
        benchmark_path("make_viewer")
    wildcard_constraints:
        movie=MOVIE_ONLY,
    conda:
        "../../envs/pages.yaml"
    threads: 1
    resources:
        mem_mb=viewer_mb,
        runtime=viewer_minutes,
    params:
        code=code_digest("pages.viewer", "pages/templates"),
        maps=MAP_NAMES,
        metrics=METRICS,
        file=movie_file,
        fps=setting("fps"),
        reuse=REUSE["enabled"],
    script:
        "../../scripts/make_viewer.py"


rule make_index:
    input:
        # Each card's picture and frames.tsv, where the results are in a storage.
        unpack(stored_index_inputs),
        movies=f"{RESULTS}/movies.tsv",
        json=expand(f"{RESULTS}/{{movie}}.json", movie=MOVIES),
        probes=expand(f"{RESULTS}/{{movie}}/probe.json", movie=MOVIES),
        assets=rules.copy_viewer_assets.output.folder,
        # reuse.tsv, listed on the index, when the stage runs (else none).
        reuse=reuse_table() or [],
        # What the cards show of the shots, when the stage runs (else none).
        shots=shot_targets(),
    output:
        f"{RESULTS}/index.html",
    log:
        f"{RESULTS}/logs/make_index.log",
    conda:
        "../../envs/pages.yaml"
    threads: 1
    resources:
        mem_mb=SMALL_JOB_MB,
        runtime=SMALL_JOB_MINUTES,
    params:
        code=code_digest("pages.index", "pages/templates"),
        movies=list(MOVIES),
        collection=index_collection(),
        shots=shot_movies(),
    script:
        "../../scripts/make_index.py"


rule collection_page:
    input:
        json=f"{RESULTS}/{COLLECTION}.json",
        movies=f"{RESULTS}/movies.tsv",
        assets=rules.copy_viewer_assets.output.folder,
    output:
        f"{RESULTS}/{COLLECTION}.html",
    log:
        f"{RESULTS}/{COLLECTION}/logs/collection_page.log",
    benchmark:
        f"{RESULTS}/{COLLECTION}/benchmarks/collection_page.tsv"
    conda:
        "../../envs/pages.yaml"
    threads: 1
    resources:
        mem_mb=collection_page_mb,
        runtime=SMALL_JOB_MINUTES,
    params:
        code=code_digest("pages.collection", "pages/templates"),
        maps=COLLECTION_MAP_NAMES,
        files={movie: MOVIES[movie]["file"] for movie in COLLECTION_MOVIES},
        failed={
            movie: {"file": MOVIES[movie]["file"], "reason": reason}
            for movie, reason in LEFT_OUT["collection"].items()
        },
    script:
        "../../scripts/make_collection_page.py"


rule plot_barcode:
    input:
        colours=f"{RESULTS}/{{movie}}/shots/colours.npy",
        times=f"{RESULTS}/{{movie}}/shots/times.npy",
        shots=f"{RESULTS}/{{movie}}/shots.tsv",
    output:
        report(
            f"{RESULTS}/{{movie}}/plots/barcode.png",
            caption="../report/barcode.rst",
            category="Shots",
            subcategory="{movie}",
            labels={"movie": "{movie}", "picture": "colour barcode"},
        ),
    log:
        # The shot stage's: its failure leaves the movie out of the stage.
        f"{RESULTS}/logs/plot_barcode_{{movie}}.log",
    conda:
        "../../envs/pages.yaml"
    threads: 1
    resources:
        mem_mb=SMALL_JOB_MB,
        runtime=SMALL_JOB_MINUTES,
    params:
        code=code_digest("pages.barcode"),
    script:
        "../../scripts/plot_barcode.py"


rule plot_cutting_rate:
    input:
        f"{RESULTS}/{{movie}}/shots.tsv",
    output:
        report(
            f"{RESULTS}/{{movie}}/plots/cutting_rate.png",
            caption="../report/cutting_rate.rst",
            category="Shots",
            subcategory="{movie}",
            labels={"movie": "{movie}", "picture": "cutting rate"},
        ),
    log:
        # The shot stage's: its failure leaves the movie out of the stage.
        f"{RESULTS}/logs/plot_cutting_rate_{{movie}}.log",
    conda:
        "../../envs/pages.yaml"
    threads: 1
    resources:
        mem_mb=SMALL_JOB_MB,
        runtime=SMALL_JOB_MINUTES,
    params:
        code=code_digest("pages.cutting_rate"),
        title=movie_file,
    script:
        "../../scripts/plot_cutting_rate.py"
