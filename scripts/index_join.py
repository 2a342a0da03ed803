"""Rule index_join: the searched blocks' neighbours as one array, and every
frame's luma, which the refine jobs read."""

from framescape.common import run_step
from framescape.index.jobs import join_step

run_step(
    snakemake.log[0],
    join_step,
    frames_npy=snakemake.input.frames,
    parts=snakemake.input.parts,
    outputs=snakemake.output,
    movie=snakemake.wildcards.movie,
    metric=snakemake.wildcards.metric,
    n=snakemake.params.frames,
    k=snakemake.params.k,
    mask=snakemake.params.mask,
)
