"""Rule compute_distances: a movie's (N, N) distance matrix for one metric."""

from framescape.common import run_step
from framescape.distances.jobs import distances_step

run_step(
    snakemake.log[0],
    distances_step,
    frames_npy=snakemake.input.frames,
    tiles=list(snakemake.input.tiles),
    output=snakemake.output[0],
    movie=snakemake.wildcards.movie,
    metric=snakemake.wildcards.metric,
    mask=snakemake.params.mask,
    threads=snakemake.threads,
)
