"""Rule extract_frames: one ffmpeg decode → frames/, frames.npy, frames.tsv."""

from framescape.common import run_step
from framescape.frames.extract import extract_step

run_step(
    snakemake.log[0],
    extract_step,
    source=snakemake.input.source,
    probe_path=snakemake.input.probe,
    outputs=snakemake.output,
    file_name=snakemake.params.file,
    fps=snakemake.params.fps,
    width=snakemake.params.width,
    height=snakemake.params.height,
    keep_aspect=snakemake.params.keep_aspect,
    threads=snakemake.threads,
    movie_memory_mb=snakemake.resources.movie_memory_mb,
    memory_limit_mb=snakemake.resources.memory_limit_mb,
    memory_partition=snakemake.resources.memory_partition,
    dense_max=snakemake.resources.dense_max,
)
