"""Rule make_viewer: results/<movie>.html and its thumbnails."""

from framescape.common import run_step
from framescape.pages.viewer import viewer_step

run_step(
    snakemake.log[0],
    viewer_step,
    json_path=snakemake.input.json,
    probe_path=snakemake.input.probe,
    nearest_npys=list(snakemake.input.nearest),
    assets=snakemake.input.assets,
    outputs=snakemake.output,
    movie=snakemake.wildcards.movie,
    maps=snakemake.params.maps,
    metrics=snakemake.params.metrics,
    file_name=snakemake.params.file,
    fps=snakemake.params.fps,
    reuse=snakemake.params.reuse,
    shots_tsv=snakemake.input.get("shots"),
    barcode=snakemake.input.get("barcode"),
    heatmaps=list(snakemake.input.get("heatmaps", [])),
)
