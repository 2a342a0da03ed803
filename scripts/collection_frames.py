"""Rule collection_frames: one movie's frames at the folder map's common size."""

from framescape.collection.frames import collection_frames_step
from framescape.common import run_step

run_step(
    snakemake.log[0],
    collection_frames_step,
    frames_npy=snakemake.input[0],
    output=snakemake.output[0],
    width=snakemake.params.width,
    height=snakemake.params.height,
)
