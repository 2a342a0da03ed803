"""Shots (rules in workflow/rules/shots.smk): where one shot ends and the next
begins, at the movie's own frame rate.

- :mod:`~framescape.shots.table`: a shot as a record, ``shots.tsv`` and the
  figures people quote (count, average and median shot length).
- :mod:`~framescape.shots.exports`: the shots as an OpenTimelineIO timeline, a
  CMX 3600 EDL and WebVTT chapters (a cue a scene), and the folder's
  ``shots.tsv``.
"""
