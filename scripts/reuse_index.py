"""Rule reuse_index: the index of every movie's windows, past reuse.index_windows."""

from framescape.common import run_step
from framescape.reuse.search import index_step

run_step(
    snakemake.log[0],
    index_step,
    descriptor_npzs=snakemake.input.descriptors,
    output=snakemake.output[0],
    threads=snakemake.threads,
)
