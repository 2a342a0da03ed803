"""Rule reuse_stretches: the searched blocks' pairs into stretches, reuse.tsv."""

from framescape.common import run_step
from framescape.reuse.search import stretches_step

run_step(
    snakemake.log[0],
    stretches_step,
    descriptor_npzs=snakemake.input.descriptors,
    pair_npzs=snakemake.input.pairs,
    movies=snakemake.params.movies,
    min_seconds=snakemake.params.min_seconds,
    output=snakemake.output[0],
    threads=snakemake.threads,
)
