"""Rule collection_join: every movie's common-size frames as one movie's."""

from framescape.collection.join import join_step
from framescape.common import run_step

run_step(
    snakemake.log[0],
    join_step,
    frames_npys=list(snakemake.input.frames),
    frames_tsvs=list(snakemake.input.tables),
    movies=snakemake.params.movies,
    frames_output=snakemake.output.frames,
    table_output=snakemake.output.table,
)
