"""Rule plot_maps: maps.png, a panel per method × metric."""

from framescape.common import run_step
from framescape.pages.plots import plot_maps_step

run_step(
    snakemake.log[0],
    plot_maps_step,
    frames_tsv=snakemake.input.frames_tsv,
    scaled_npys=list(snakemake.input.scaled),
    output=snakemake.output[0],
    names=snakemake.params.names,
    title=snakemake.params.title,
    thumbnails=snakemake.params.thumbnails,
)
