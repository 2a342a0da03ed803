"""The layout methods and the metrics: their names and what people read of
them, light enough for Snakemake's own process to import when it plans a run.

Adding a method or a metric starts here; each stage keys its code by the same
names (:data:`framescape.embed.methods.EMBEDDERS`,
:data:`framescape.distances.matrices.TILES`), and tests/unit/test_registry.py
checks that every other list of them (the config schema, the jobs' measured
sizes) names the same ones."""

from typing import NamedTuple


class Method(NamedTuple):
    """A layout method: ``label``, its name for people (map menus, plot titles)."""

    label: str


class Metric(NamedTuple):
    """A frame-to-frame distance: ``unit``, its distances' unit and range for
    people (plot axes)."""

    unit: str


# Their order is the config's default order.
METHODS = {
    "mds": Method(label="MDS"),
    "tsne": Method(label="t-SNE"),
    "umap": Method(label="UMAP"),
}
METRICS = {
    "gray": Metric(unit="grey levels, 0–255"),
    "hsl": Metric(unit="0–3"),
}


def choices(registry):
    """A regular expression matching exactly the names of ``registry`` (a
    wildcard constraint)."""
    return "|".join(registry)
