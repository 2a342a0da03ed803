"""What every job's estimates share: a cluster job asks for
:data:`RUNTIME_MARGIN` times the measured time, and never less than
:data:`MIN_RUNTIME` minutes, and for the memory of the Snakemake processes
that run it, which grows with the folder's movies
(:func:`snakemake_memory`), beside what its step holds (:func:`job_mb`)."""

from framescape.common import MB

# A cluster job asks for this much more time than measured (slower or busy
# nodes), and never less than MIN_RUNTIME minutes.
RUNTIME_MARGIN = 3
MIN_RUNTIME = 10

# On a SLURM cluster a job's memory holds two Snakemake processes beside its
# step's: the batch script's (the plugin's job step) and the one it starts with
# srun, which runs the step's script and waits for it. Each reads the workflow
# and its folder of movies. Inside the jobs of a one-node SLURM cluster (every
# process under a job's slurmstepd, sampled every 0.2 s; EPYC-AVX2,
# 2026-12-07; docs/performance.md, "Inside SLURM jobs"), the two held 269 to
# 271 MB in a folder of one movie, 285 to 286 MB with 1,000 movies and 336 MB
# with 4,000 (16.9 KiB a movie), and the shell and srun up to 13 MB more: so
# 300 MB and 20 KiB a movie of the folder.
SNAKEMAKE_PROCESSES = 2 * 150 * MB
SNAKEMAKE_A_MOVIE = 20 * 1024


def minutes(seconds):
    """The minutes a cluster job asks for a step measured at ``seconds``:
    :data:`RUNTIME_MARGIN` times as long, and :data:`MIN_RUNTIME` more."""
    return int(MIN_RUNTIME + -(-seconds * RUNTIME_MARGIN // 60))


def megabytes(size):
    """Bytes → whole MB (MiB, as SLURM reads ``--mem``), rounded up."""
    return -(-int(size) // MB)


def snakemake_memory(movies=1):
    """Bytes of the Snakemake processes that run a job of a folder of ``movies``
    movies on a cluster: :data:`SNAKEMAKE_PROCESSES` and
    :data:`SNAKEMAKE_A_MOVIE` a movie."""
    return SNAKEMAKE_PROCESSES + SNAKEMAKE_A_MOVIE * max(1, movies)


def job_mb(size, movies=1):
    """A job's ``mem_mb``: ``size``, the bytes its step holds, and the Snakemake
    processes that run it in a folder of ``movies`` movies
    (:func:`snakemake_memory`)."""
    return megabytes(snakemake_memory(movies) + size)
