"""Rule scale: coordinates into the configured square."""

from framescape.common import run_step
from framescape.merge.coordinates import scale_step

run_step(
    snakemake.log[0],
    scale_step,
    embedding_npy=snakemake.input[0],
    output=snakemake.output[0],
    scale=snakemake.params.scale,
)
