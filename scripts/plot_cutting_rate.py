"""Rule plot_cutting_rate: a movie's shots.tsv → plots/cutting_rate.png."""

from framescape.common import run_step
from framescape.pages.cutting_rate import plot_cutting_rate_step

run_step(
    snakemake.log[0],
    plot_cutting_rate_step,
    shots_tsv=snakemake.input[0],
    output=snakemake.output[0],
    title=snakemake.params.title,
)
