"""Rule graph_candidates: a long movie's frames compared at a reduced size."""

from framescape.common import run_step
from framescape.graph.jobs import candidates_step

run_step(
    snakemake.log[0],
    candidates_step,
    frames_npy=snakemake.input.frames,
    outputs=snakemake.output,
    movie=snakemake.wildcards.movie,
    metric=snakemake.wildcards.metric,
    k=snakemake.params.k,
    mask=snakemake.params.mask,
    threads=snakemake.threads,
)
