"""Rule reuse: the stretches of footage found in two places, reuse.tsv."""

from framescape.common import run_step
from framescape.reuse.jobs import reuse_step

run_step(
    snakemake.log[0],
    reuse_step,
    descriptor_npzs=snakemake.input.descriptors,
    pair_npzs=snakemake.input.pairs,
    movies=snakemake.params.movies,
    min_seconds=snakemake.params.min_seconds,
    output=snakemake.output[0],
    threads=snakemake.threads,
)
