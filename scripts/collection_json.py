"""Rule collection_json: the folder map's scaled maps → results/collection.json."""

from framescape.collection.maps import collection_json_step
from framescape.common import run_step

run_step(
    snakemake.log[0],
    collection_json_step,
    table_tsv=snakemake.input.table,
    scaled_npys=list(snakemake.input.scaled),
    names=snakemake.params.names,
    output=snakemake.output[0],
)
