"""Rule graph_tile: one tile's share of a long movie's neighbour graph."""

from framescape.common import run_step
from framescape.graph import tile_step

run_step(
    snakemake.log[0],
    tile_step,
    frames_npy=snakemake.input.frames,
    diagonal_parts=snakemake.input.diagonals,
    output=snakemake.output[0],
    movie=snakemake.wildcards.movie,
    metric=snakemake.wildcards.metric,
    row=snakemake.wildcards.row,
    column=snakemake.wildcards.column,
    k=snakemake.params.k,
    mask=snakemake.params.mask,
    tile_frames=snakemake.params.tile_frames,
    threads=snakemake.threads,
)
