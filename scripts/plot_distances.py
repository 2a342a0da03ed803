"""Rule plot_distances: a distance matrix (or, for a long movie, its block
averages) as a self-similarity heatmap."""

from framescape.common import run_step
from framescape.pages.plots import plot_distances_step

run_step(
    snakemake.log[0],
    plot_distances_step,
    frames_tsv=snakemake.input.frames_tsv,
    frames_npy=snakemake.input.frames,
    source=snakemake.input.distances,
    output=snakemake.output[0],
    metric=snakemake.wildcards.metric,
    title=snakemake.params.title,
    shots_tsv=snakemake.input.shots or None,
)
