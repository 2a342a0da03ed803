"""Shots (rules in workflow/rules/shots.smk): where one shot ends and the next
begins, at the movie's own frame rate.

- :mod:`~framescape.shots.decode`: one decode at the movie's own rate into
  :mod:`~framescape.shots.features`, about a kilobyte a frame;
- :mod:`~framescape.shots.band`: each frame's distances to the next few;
- :mod:`~framescape.shots.detect`: cuts, fades, dissolves and wipes;
- :mod:`~framescape.shots.groups`: shots of the same place or set-up;
- :mod:`~framescape.shots.find`: all of it for one movie, ``shots.tsv``;
- :mod:`~framescape.shots.table`: a shot as a record, ``shots.tsv`` read and
  written, the folder's table and the figures people quote;
- :mod:`~framescape.shots.exports`: the shots as an OpenTimelineIO timeline, a
  CMX 3600 EDL and WebVTT chapters (a cue a scene).
"""
