"""Rule shot_table: every movie's shots.tsv → results/shots.tsv."""

from framescape.common import run_step
from framescape.shots.table import folder_table_step

run_step(
    snakemake.log[0],
    folder_table_step,
    shot_tsvs=list(snakemake.input),
    output=snakemake.output[0],
    movies=snakemake.params.movies,
)
