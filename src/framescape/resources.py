"""What every job's estimates share: a cluster job asks for
:data:`RUNTIME_MARGIN` times the measured time, and never less than
:data:`MIN_RUNTIME` minutes, and for the memory of the Snakemake processes
that run it (:data:`SNAKEMAKE_PROCESSES`) beside what its step holds
(:func:`job_mb`)."""

from framescape.common import MB

# A cluster job asks for this much more time than measured (slower or busy
# nodes), and never less than MIN_RUNTIME minutes.
RUNTIME_MARGIN = 3
MIN_RUNTIME = 10

# On a SLURM cluster a job's memory holds two Snakemake processes beside its
# step's: the batch script's (the plugin's job step) and the one it starts with
# srun, which runs the step's script and waits for it. Each reads the workflow:
# 121 MB for a dry run of a folder of four movies, 130 to 141 MB for the run's
# own process as it started their jobs (EPYC-AVX2, 2026-12-07;
# docs/performance.md, "Every job against what it asked for"). Not measured
# inside a cluster's job, nor for a folder of many movies.
SNAKEMAKE_PROCESSES = 2 * 150 * MB


def megabytes(size):
    """Bytes → whole MB (MiB, as SLURM reads ``--mem``), rounded up."""
    return -(-int(size) // MB)


def job_mb(size):
    """A job's ``mem_mb``: ``size``, the bytes its step holds, and
    :data:`SNAKEMAKE_PROCESSES`."""
    return megabytes(SNAKEMAKE_PROCESSES + size)
