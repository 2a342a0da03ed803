"""framescape: movies in, maps out.

One module per stage of the workflow (``frames``, ``distances``, ``embed``,
``merge``, ``plots``, ``viewer``), the numba kernels apart (``kernels``), and the
light modules Snakemake itself imports while it plans a run (``config``,
``movies``, ``resources``, ``tiles``): those import neither numba nor any
plotting or learning library.
"""
