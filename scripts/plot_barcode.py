"""Rule plot_barcode: a movie's frame colours and shots → plots/barcode.png."""

from framescape.common import run_step
from framescape.pages.barcode import barcode_step

run_step(
    snakemake.log[0],
    barcode_step,
    colours_npy=snakemake.input.colours,
    times_npy=snakemake.input.times,
    shots_tsv=snakemake.input.shots,
    output=snakemake.output[0],
)
