"""A movie's frames: its header probed, then its frames decoded, once, with ffmpeg.

ffmpeg (the binary bundled in the ``imageio-ffmpeg`` wheel) reads the movie once;
its filter graph, built with ffmpeg-python, samples the frames at ``fps`` and
splits them in two: ``frame_width``×``frame_height`` raw ``rgb24`` frames to a
pipe, appended to ``frames.npy`` for the maths, and PNGs at the movie's display
aspect for people to look at (the two hold the same pixels when that aspect is
``frame_width``:``frame_height``). No shell is involved: ffmpeg gets its
arguments as a list.

- :mod:`~framescape.frames.probe`: the header, ``probe.json``;
- :mod:`~framescape.frames.decode`: the decode and its filter graph;
- :mod:`~framescape.frames.extract`: ``frames.npy``, the PNGs and ``frames.tsv``;
- :mod:`~framescape.frames.count`: ``frame_count.txt``;
- :mod:`~framescape.frames.resources`: the decoding job's time."""
