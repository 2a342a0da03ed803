"""Rule reuse_script: reuse.tsv as the script the pages load, reuse.js."""

from framescape.common import run_step
from framescape.pages.reuse import script_step

run_step(
    snakemake.log[0],
    script_step,
    reuse_tsv=snakemake.input.table,
    output=snakemake.output[0],
    files=snakemake.params.files,
)
