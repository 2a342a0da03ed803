"""Rule neighbour_graph: a long movie's re-ranked blocks put together."""

from framescape.common import run_step
from framescape.graph.jobs import graph_step

run_step(
    snakemake.log[0],
    graph_step,
    frames_npy=snakemake.input.frames,
    reduced_npz=snakemake.input.reduced,
    candidates_npz=snakemake.input.candidates,
    parts=snakemake.input.parts,
    output=snakemake.output[0],
    movie=snakemake.wildcards.movie,
    metric=snakemake.wildcards.metric,
    k=snakemake.params.k,
    mask=snakemake.params.mask,
    threads=snakemake.threads,
)
