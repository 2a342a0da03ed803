"""Rule collection_page: results/collection.html, the folder map."""

from framescape.common import run_step
from framescape.pages.collection import collection_page_step

run_step(
    snakemake.log[0],
    collection_page_step,
    collection_json=snakemake.input.json,
    movies_tsv=snakemake.input.movies,
    assets=snakemake.input.assets,
    output=snakemake.output[0],
    maps=snakemake.params.maps,
    files=snakemake.params.files,
    failed=snakemake.params.failed,
)
