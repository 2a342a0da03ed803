"""Write the configuration table of docs/configuration.md from the config schema.

    python docs/config_table.py          rewrite the table in docs/configuration.md
    python docs/config_table.py --check  exit 1 when the page differs from the schema

The table sits between the markers <!-- config-table --> and <!-- /config-table -->:
one row per key (nested keys joined by dots), its type, its default and its
description, all read from workflow/schemas/config.schema.yaml.
"""

import argparse
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"
PAGE = ROOT / "docs" / "configuration.md"
START = "<!-- config-table -->"
END = "<!-- /config-table -->"


def resolve(node, schema):
    """``node`` with a local ``$ref`` merged in (the node's own keys win)."""
    if "$ref" not in node:
        return node
    name = node["$ref"].rsplit("/", 1)[-1]
    merged = dict(schema["$defs"][name])
    merged.update({key: value for key, value in node.items() if key != "$ref"})
    return merged


def number(value):
    """A bound as written in YAML: 1e-06 stays short, 2.0 stays 2.0."""
    return json.dumps(value)


def bounds(node):
    """The numeric limits of ``node``, e.g. '> 0, <= 1000'."""
    parts = []
    if "exclusiveMinimum" in node:
        parts.append(f"> {number(node['exclusiveMinimum'])}")
    if "minimum" in node:
        parts.append(f">= {number(node['minimum'])}")
    if "exclusiveMaximum" in node:
        parts.append(f"< {number(node['exclusiveMaximum'])}")
    if "maximum" in node:
        parts.append(f"<= {number(node['maximum'])}")
    if "multipleOf" in node:
        parts.append(f"multiple of {number(node['multipleOf'])}")
    return ", ".join(parts)


def type_text(node, schema):
    """A short human type for one schema node."""
    node = resolve(node, schema)
    if "const" in node:
        return f"`{node['const']}`"
    if "enum" in node:
        return " or ".join(f"`{value}`" for value in node["enum"])
    if "oneOf" in node:
        return " or ".join(type_text(branch, schema) for branch in node["oneOf"])
    kind = node.get("type", "any")
    if kind == "array":
        if "prefixItems" in node:
            kinds = {resolve(item, schema).get("type") for item in node["prefixItems"]}
            count = len(node["prefixItems"])
            if len(kinds) == 1 and None not in kinds:
                return f"list of {count} {kinds.pop()}s"
            items = [type_text(item, schema) for item in node["prefixItems"]]
            return "[" + ", ".join(items) + "]"
        return f"list of {type_text(node.get('items', {}), schema)}"
    if kind == "object":
        return "mapping"
    if kind == "null":
        return "`null`"
    limits = bounds(node)
    return f"{kind} {limits}" if limits else kind


def flow(value):
    """``value`` in YAML's flow style, as config.yaml would write it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(flow(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float):
        return yaml.safe_dump(value, default_flow_style=True).strip().splitlines()[0]
    return str(value)


def rows(properties, schema, prefix=""):
    """(key, type, default, description) for every key, depth first, in schema order."""
    for name, raw in properties.items():
        node = resolve(raw, schema)
        key = f"{prefix}{name}"
        if node.get("type") == "object" and "properties" in node:
            yield from rows(node["properties"], schema, f"{key}.")
            continue
        default = f"`{flow(node['default'])}`" if "default" in node else ""
        yield key, type_text(node, schema), default, node.get("description", "")
        extra = node.get("additionalProperties")
        if node.get("type") == "object" and isinstance(extra, dict):
            inner = resolve(extra, schema)
            yield from rows(inner.get("properties", {}), schema, f"{key}.<movie>.")


def cell(text):
    """Text safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def table(schema):
    """The Markdown table of every key of ``schema``."""
    lines = ["| key | type | default | description |", "|---|---|---|---|"]
    for key, kind, default, description in rows(schema["properties"], schema):
        lines.append(
            f"| `{key}` | {cell(kind)} | {cell(default)} | {cell(description)} |"
        )
    return "\n".join(lines)


def load_schema(path=SCHEMA):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def render(page_text, schema):
    """``page_text`` with the table between the markers made from ``schema``."""
    if page_text.count(START) != 1 or page_text.count(END) != 1:
        raise ValueError(f"the page needs one {START} and one {END}")
    head, rest = page_text.split(START)
    _, tail = rest.split(END)
    return f"{head}{START}\n{table(schema)}\n{END}{tail}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when the page is out of date"
    )
    args = parser.parse_args(argv)
    current = PAGE.read_text(encoding="utf-8")
    wanted = render(current, load_schema())
    if args.check:
        if current != wanted:
            print(
                "docs/configuration.md differs from the config schema: "
                "run python docs/config_table.py"
            )
            return 1
        return 0
    if current != wanted:
        PAGE.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
