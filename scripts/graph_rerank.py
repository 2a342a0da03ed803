"""Rule graph_rerank: a block of frames' candidates compared at full size."""

from framescape.common import run_step
from framescape.graph.jobs import rerank_step

run_step(
    snakemake.log[0],
    rerank_step,
    frames_npy=snakemake.input.frames,
    candidates_npz=snakemake.input.candidates,
    output=snakemake.output[0],
    movie=snakemake.wildcards.movie,
    metric=snakemake.wildcards.metric,
    block=snakemake.wildcards.block,
    k=snakemake.params.k,
    mask=snakemake.params.mask,
    tile_frames=snakemake.params.tile_frames,
    threads=snakemake.threads,
)
