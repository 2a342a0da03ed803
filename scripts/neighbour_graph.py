"""Rule neighbour_graph: a long movie's tiles put together."""

from framescape.common import run_step
from framescape.graph import graph_step

run_step(
    snakemake.log[0],
    graph_step,
    frames_npy=snakemake.input.frames,
    parts=snakemake.input.parts,
    outputs=snakemake.output,
    movie=snakemake.wildcards.movie,
    metric=snakemake.wildcards.metric,
    k=snakemake.params.k,
    tile_frames=snakemake.params.tile_frames,
)
