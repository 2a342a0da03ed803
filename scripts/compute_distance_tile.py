"""Rule compute_distance_tile: one tile of a long movie's distance matrix."""

from framescape.common import run_step
from framescape.distances.jobs import tile_step

run_step(
    snakemake.log[0],
    tile_step,
    frames_npy=snakemake.input.frames,
    output=snakemake.output[0],
    movie=snakemake.wildcards.movie,
    metric=snakemake.wildcards.metric,
    row=snakemake.wildcards.row,
    column=snakemake.wildcards.column,
    mask=snakemake.params.mask,
    tile_frames=snakemake.params.tile_frames,
    threads=snakemake.threads,
)
