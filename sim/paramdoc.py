"""Parameter tables for the documentation, generated from the configuration's own metadata.

Every field made with :func:`sim.params.param` carries its meaning, allowed range and source;
the defaults are those ``conf/`` composes to. ``docs/odd.md`` holds the generated tables
between markers::

    <!-- params:share -->
    ...
    <!-- /params:share -->

``python -m sim.paramdoc docs/odd.md`` rewrites every marked block from the code (atomically);
``--check`` exits 1 if a block is out of date (``tests/test_odd.py`` does the same), so a new
parameter or a changed default cannot go undocumented.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sim.config import Config
from sim.configure import compose, option_classes
from sim.params import ConfigError, Range
from sim.storage import write_text_atomic

MARKET_SECTIONS = (
    "run",
    "share",
    "conversion",
    "population",
    "influencers",
    "product",
    "repurchase",
    "budget",
    "fraud",
    "rewards",
)
GROUP_NAMES = ("network", "seeding", "referral", "retention")
BLOCK = re.compile(
    r"(<!-- params:(?P<name>[\w]+) -->\n)(?P<body>.*?)(<!-- /params:(?P=name) -->)", re.DOTALL
)
HEADER = "| key | default | allowed | meaning | source |\n|---|---|---|---|---|"
NO_SOURCE = "—"


def describe_range(allowed: Range) -> str:
    """A range in compact notation: ``[0, 1]``, ``≥ 0``, ``> 0``, ``integer ≥ 1``."""
    low, high = _number(allowed.low), _number(allowed.high)
    if allowed.low is not None and allowed.high is not None:
        text = f"{'(' if allowed.low_open else '['}{low}, {high}]"
    elif allowed.low is not None:
        text = f"{'>' if allowed.low_open else '≥'} {low}"
    elif allowed.high is not None:
        text = f"≤ {high}"
    else:
        text = "any"
    return f"integer {text}" if allowed.integer else text


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def format_value(value: Any) -> str:
    """A default as it would be written in YAML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {format_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if dataclasses.is_dataclass(value):
        fields = dataclasses.fields(value)
        return (
            "{"
            + ", ".join(f"{f.name}: {format_value(getattr(value, f.name))}" for f in fields)
            + "}"
        )
    return str(value)


def allowed_values(field: dataclasses.Field, value: Any) -> str:
    """What a field accepts, from its metadata (and its type for switches)."""
    if field.metadata.get("choices"):
        return " \\| ".join(field.metadata["choices"])
    if field.metadata.get("range") is not None:
        return describe_range(field.metadata["range"])
    if isinstance(value, bool):
        return "true \\| false"
    return ""


def parameter_rows(node: Any, prefix: str = "") -> Iterator[tuple[str, ...]]:
    """One ``(key, default, allowed, meaning, source)`` row per declared field, nested included.

    A list of dataclasses (the referral tiers) gives one row for the list and one per item
    field, keyed ``name[].field``.
    """
    for field in dataclasses.fields(node):
        value, key = getattr(node, field.name), prefix + field.name
        if field.name == "name":
            continue
        if dataclasses.is_dataclass(value):
            yield from parameter_rows(value, key + ".")
            continue
        yield row(field, key, value)
        if isinstance(value, list) and value and dataclasses.is_dataclass(value[0]):
            for item_field in dataclasses.fields(value[0]):
                yield row(item_field, f"{key}[].{item_field.name}", None, per_item=True)


def row(field: dataclasses.Field, key: str, value: Any, per_item: bool = False) -> tuple[str, ...]:
    """The table row of one field holding ``value``."""
    return (
        f"`{key}`",
        "(per item)" if per_item else f"`{format_value(value)}`",
        allowed_values(field, value),
        field.metadata.get("help", "").replace("|", "\\|"),
        field.metadata.get("source") or NO_SOURCE,
    )


def table(rows: Sequence[tuple[str, ...]]) -> str:
    """A Markdown table of parameter rows."""
    return "\n".join([HEADER, *("| " + " | ".join(row) + " |" for row in rows)])


def option_config(group: str, option: str) -> Any:
    """An option's configuration as ``conf/`` composes it (its dataclass if it needs input)."""
    try:
        return getattr(compose([f"{group}={option}"]), group)
    except ConfigError:  # e.g. network=edgelist needs a path
        return option_classes()[group][option]()


def tables() -> dict[str, str]:
    """Every block's generated text: one per market section and one per config group."""
    market = compose()
    top = [f for f in dataclasses.fields(Config) if not _nested(f)]
    blocks = {"top": table([row(f, f.name, getattr(market, f.name)) for f in top])}
    for section in MARKET_SECTIONS:
        blocks[section] = table(list(parameter_rows(getattr(market, section), section + ".")))
    for group in GROUP_NAMES:
        blocks[group] = _group_tables(group)
    return blocks


def _nested(field: dataclasses.Field) -> bool:
    return field.name in MARKET_SECTIONS or field.name in GROUP_NAMES


def _group_tables(group: str) -> str:
    parts = []
    for option, cls in option_classes()[group].items():
        rows = list(parameter_rows(option_config(group, option), group + "."))
        summary = (cls.__doc__ or "").strip().splitlines()[0].replace("``", "`")
        parts.append(
            f"**`{group}={option}`**: {summary}\n\n" + (table(rows) if rows else "(no parameters)")
        )
    return "\n\n".join(parts)


def refresh(text: str, blocks: dict[str, str] | None = None) -> str:
    """``text`` with every marked block replaced by its generated table.

    Raises:
        KeyError: for a marker naming no known block.

    """
    blocks = tables() if blocks is None else blocks
    return BLOCK.sub(lambda m: m.group(1) + blocks[m.group("name")] + "\n" + m.group(4), text)


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite (or with ``--check`` verify) the parameter tables of a Markdown file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path, nargs="?", default=Path("docs/odd.md"))
    parser.add_argument("--check", action="store_true", help="exit 1 if the tables are stale")
    args = parser.parse_args(argv)
    text = args.path.read_text(encoding="utf-8")
    fresh = refresh(text)
    if args.check:
        print("up to date" if fresh == text else f"{args.path}: parameter tables are stale")
        return 0 if fresh == text else 1
    if fresh != text:
        write_text_atomic(fresh, args.path)
    print(f"{args.path}: {len(BLOCK.findall(fresh))} parameter tables written")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
