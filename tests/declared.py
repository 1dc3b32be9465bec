"""Every declared configuration key, read from the dataclass metadata (``sim.params.param``).

Tests generate their cases from this list, so that a key added to a config dataclass is covered
without touching the tests.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sim.config import Config
from sim.configure import option_classes
from sim.params import Range


@dataclass(frozen=True)
class Key:
    """One declared key of one option.

    Attributes:
        name: dotted key, e.g. ``seeding.ads.daily_budget``.
        options: the group choices under which the key exists, e.g. ``("seeding=mixed",)``.
        field: the dataclass field (its metadata holds range, choices and help).
        kind: the declared type, ``Optional`` removed.
        optional: whether ``null`` is allowed.

    """

    name: str
    options: tuple[str, ...]
    field: dataclasses.Field
    kind: Any
    optional: bool

    @property
    def range(self) -> Range | None:
        """The allowed numeric range (of each item, for a list)."""
        return self.field.metadata.get("range")

    @property
    def choices(self) -> tuple[str, ...] | None:
        """The allowed strings."""
        return self.field.metadata.get("choices")

    @property
    def item_class(self) -> type | None:
        """For a list of dataclasses (``referral.tiers``), the item's class."""
        if typing.get_origin(self.kind) is list:
            (item,) = typing.get_args(self.kind)
            return item if dataclasses.is_dataclass(item) else None
        return None


@functools.cache
def every_key() -> tuple[Key, ...]:
    """Every key of the market and of every option of every group."""
    keys = list(walk(Config, ""))
    for group, options in option_classes().items():
        for name, cls in options.items():
            keys += walk(cls, f"{group}.", (f"{group}={name}",))
    return tuple(keys)


def declared_keys() -> list[Key]:
    """Every key once: a field an option inherits is listed under the first option only."""
    unique: dict[tuple[str, int], Key] = {}
    for key in every_key():
        unique.setdefault((key.name, id(key.field)), key)
    return list(unique.values())


def keys_of(options: tuple[str, ...]) -> list[Key]:
    """The keys present when these options are chosen (market keys included)."""
    return [key for key in every_key() if set(key.options) <= set(options)]


def walk(cls: type, prefix: str, options: tuple[str, ...] = ()) -> Iterator[Key]:
    """The keys of a config dataclass, nested dataclasses included, group slots excluded."""
    hints = typing.get_type_hints(cls)
    for field in dataclasses.fields(cls):
        kind, optional = _unwrap_optional(hints[field.name])
        if kind is Any:
            continue
        if dataclasses.is_dataclass(kind):
            yield from walk(kind, f"{prefix}{field.name}.", options)
        else:
            yield Key(f"{prefix}{field.name}", options, field, kind, optional)


def _unwrap_optional(hint: Any) -> tuple[Any, bool]:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return hint, False
