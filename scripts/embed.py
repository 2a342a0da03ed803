"""Rule embed: 2-D coordinates of a movie's frames, one method × metric."""

from framescape.common import run_step
from framescape.embed.jobs import embed_step

run_step(
    snakemake.log[0],
    embed_step,
    inputs=dict(snakemake.input.items()),
    output=snakemake.output[0],
    method=snakemake.wildcards.method,
    metric=snakemake.wildcards.metric,
    options=snakemake.params.options,
    random_state=snakemake.params.random_state,
    threads=snakemake.threads,
    mask=snakemake.params.mask,
    movie=snakemake.wildcards.movie,
)
