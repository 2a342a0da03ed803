"""Rule reuse_search: a block of windows searched in the index for similar ones."""

from framescape.common import run_step
from framescape.reuse.search import search_step

run_step(
    snakemake.log[0],
    search_step,
    descriptor_npzs=snakemake.input.descriptors,
    index_path=snakemake.input.index,
    output=snakemake.output[0],
    block=snakemake.wildcards.block,
    min_seconds=snakemake.params.min_seconds,
    threads=snakemake.threads,
)
