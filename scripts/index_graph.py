"""Rule index_graph: the refined blocks joined into the folder's graph."""

from framescape.common import run_step
from framescape.index.jobs import graph_step

run_step(
    snakemake.log[0],
    graph_step,
    parts=snakemake.input.parts,
    plan_npz=snakemake.input.plan,
    output=snakemake.output[0],
    n=snakemake.params.frames,
    metric=snakemake.wildcards.metric,
    k=snakemake.params.k,
)
