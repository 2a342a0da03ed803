"""Rule index_refine: a block of frames re-ranked among their neighbours'
neighbours, in rounds."""

from framescape.common import run_step
from framescape.index.jobs import refine_step

run_step(
    snakemake.log[0],
    refine_step,
    inputs=snakemake.input,
    output=snakemake.output[0],
    movie=snakemake.wildcards.movie,
    metric=snakemake.wildcards.metric,
    block=snakemake.wildcards.block,
    k=snakemake.params.k,
    tile_frames=snakemake.params.tile_frames,
    threads=snakemake.threads,
)
