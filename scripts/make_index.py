"""Rule make_index: results/index.html, every movie and its viewer."""

from framescape.common import run_step
from framescape.pages.index import index_step

run_step(
    snakemake.log[0],
    index_step,
    movies_tsv=snakemake.input.movies,
    json_paths=list(snakemake.input.json),
    probe_paths=list(snakemake.input.probes),
    assets=snakemake.input.assets,
    output=snakemake.output[0],
    movies=snakemake.params.movies,
    collection=snakemake.params.collection,
    reuse=snakemake.input.reuse or None,
    shots=snakemake.params.shots,
)
