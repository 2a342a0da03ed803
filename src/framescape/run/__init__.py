"""The run itself: the config, the movies, how each movie ended, and what sizes
and guards the jobs.

- :mod:`~framescape.run.config`: the config checked against its schema, each
  movie's settings, each method's options;
- :mod:`~framescape.run.movies`: the movies of the input folder, their safe ids,
  their links and ``movies.tsv``;
- :mod:`~framescape.run.handover`: what the run hands its jobs when they share
  no file system with it (the movies it found, the memory it plans with);
- :mod:`~framescape.run.outcomes`: after a run, each movie's real outcome in
  ``movies.tsv`` and on the index;
- :mod:`~framescape.run.guard`: the memory guard, which refuses a movie whose
  largest job would not fit before any decoding starts;
- :mod:`~framescape.run.lock`: the results folder's lock, one run at a time,
  and none while jobs of an earlier run still write there;
- :mod:`~framescape.run.jobs`: the record each job keeps in its results folder
  while it runs;
- :mod:`~framescape.run.folder_status`: whether the folder stages' outputs are
  current, for the pages (``results/folder_status.js``);
- :mod:`~framescape.run.digest`: the step-code digest, which reruns a rule
  whose step computes differently.

What every stage's estimates share (the time margins, the memory of the
Snakemake processes that run a job on a cluster) is :mod:`framescape.resources`.

All of them are light: Snakemake's own process imports them while it plans a
run, without numba."""
