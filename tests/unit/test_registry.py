"""The layout methods and metrics are listed once (framescape.registry): every
other list of them names the same ones."""

import re

import yaml

from framescape import registry
from framescape.distances import resources as distances_resources
from framescape.distances.matrices import TILES
from framescape.embed.methods import EMBEDDERS
from framescape.graph import parameters as graph_parameters
from framescape.graph import resources as graph_resources
from framescape.testing import REPO

SCHEMA = yaml.safe_load(
    (REPO / "workflow" / "schemas" / "config.schema.yaml").read_text()
)


def test_the_schema_offers_the_registered_methods_and_metrics():
    properties = SCHEMA["properties"]
    folder = properties["collection"]["properties"]
    for block, name, registered in (
        (properties, "metrics", registry.METRICS),
        (properties, "methods", registry.METHODS),
        (folder, "metrics", registry.METRICS),
        (folder, "methods", registry.METHODS),
    ):
        assert block[name]["items"]["enum"] == list(registered)
        assert set(block[name]["default"]) <= set(registered)
    assert properties["metrics"]["default"] == list(registry.METRICS)
    assert properties["methods"]["default"] == list(registry.METHODS)
    per_metric = properties["umap"]["properties"]["n_neighbors"]["oneOf"][1]
    assert list(per_metric["properties"]) == list(registry.METRICS)


def test_each_stage_has_the_code_of_every_registered_name():
    assert list(EMBEDDERS) == list(registry.METHODS)
    assert list(TILES) == list(registry.METRICS)


def test_every_registered_name_has_its_measured_sizes():
    steps = {f"distances_{metric}" for metric in registry.METRICS} | {
        f"embed_{method}" for method in registry.METHODS
    }
    assert set(distances_resources.STEP_MEMORY) == steps
    assert set(distances_resources.SECONDS_AT_10000) == steps
    for per_metric in (
        graph_parameters.REDUCE_FACTOR,
        graph_parameters.CANDIDATES,
        graph_parameters.COMPLETE,
        graph_resources.RERANK_FRAME_SECONDS,
    ):
        assert set(per_metric) == set(registry.METRICS)


def test_wildcards_match_exactly_the_registered_names():
    for registered in (registry.METHODS, registry.METRICS):
        pattern = re.compile(registry.choices(registered))
        assert all(pattern.fullmatch(name) for name in registered)
        assert not pattern.fullmatch("_".join(registered))
