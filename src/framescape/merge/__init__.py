"""A movie's maps in one file: every layout's coordinates scaled into a padded
unit square and merged with the frame table into ``results/<movie>.json``
(:mod:`~framescape.merge.coordinates`)."""
