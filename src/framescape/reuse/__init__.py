"""Where footage repeats: stretches of the same footage in two places, in two
movies or twice in one.

Each movie's windows of one sampling interval are described by
:mod:`~framescape.reuse.descriptors` (pictures that survive re-encoding, bars,
grading and logos). A match must hold over time
(:func:`~framescape.reuse.stretches.find_stretches`): windows that look alike
(:func:`~framescape.reuse.matching.similar_pairs`, every other window of each
movie against every window, in blocks, no N×N kept) vote for a time offset
between two movies; each offset with enough votes is followed along both movies,
window by window, as long as the windows keep matching at that offset, and kept
when it lasts at least ``min_seconds`` and matches clearly better at that offset
than a little beside it (still pictures, the same room from another take and
slow pans look alike at every offset and are dropped).
:func:`~framescape.reuse.jobs.reuse_step` writes ``reuse.tsv``;
:mod:`framescape.pages.reuse` shows it on the pages."""
