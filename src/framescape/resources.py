"""The margins every job's time estimate shares: a cluster job asks for
:data:`RUNTIME_MARGIN` times the measured time, and never less than
:data:`MIN_RUNTIME` minutes."""

# A cluster job asks for this much more time than measured (slower or busy
# nodes), and never less than MIN_RUNTIME minutes.
RUNTIME_MARGIN = 3
MIN_RUNTIME = 10
