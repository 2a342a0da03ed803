"""framescape: movies in, maps out. One subpackage per stage of the workflow
(``frames``, ``distances``, ``graph``, ``embed``, ``merge``, ``collection``,
``reuse``, ``pages``), ``run`` for the run itself (config, movies, outcomes,
lock, memory guard, code digest), and ``testing`` for what the tests and
benchmarks share."""
