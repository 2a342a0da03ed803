"""The threads faiss computes with: apart from :mod:`framescape.index.build`, so
that a step which only sets them (the reuse stage's) does not take the folder
map's index, and the distance code it imports, into its code digest
(:mod:`framescape.run.digest`)."""

import faiss


def faiss_threads(threads):
    """faiss (OpenMP, and the OpenBLAS it ships) gets ``threads`` threads."""
    faiss.omp_set_num_threads(max(1, int(threads)))
