"""Rule list_movies: results/movies.tsv, every movie file and its status."""

from framescape.common import run_step
from framescape.run.movies import write_movies_tsv

run_step(
    snakemake.log[0],
    write_movies_tsv,
    output=snakemake.output[0],
    movies=snakemake.params.movies,
    files=snakemake.params.files,
    probes=list(snakemake.input.probes),
    fps=snakemake.params.fps,
    failed=snakemake.params.failed,
)
