"""Rule index_join: the searched blocks' neighbours as one array."""

from framescape.common import run_step
from framescape.index.jobs import join_step

run_step(
    snakemake.log[0],
    join_step,
    parts=snakemake.input.parts,
    output=snakemake.output[0],
    n=snakemake.params.frames,
    k=snakemake.params.k,
)
