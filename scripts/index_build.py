"""Rule index_build: the folder's frames projected and put into an index."""

from framescape.common import run_step
from framescape.index.jobs import build_step

run_step(
    snakemake.log[0],
    build_step,
    frames_npy=snakemake.input.frames,
    outputs=snakemake.output,
    movie=snakemake.wildcards.movie,
    metric=snakemake.wildcards.metric,
    k=snakemake.params.k,
    mask=snakemake.params.mask,
    threads=snakemake.threads,
)
