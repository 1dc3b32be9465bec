"""Declared parameters: a default, a meaning, an allowed range and a source, checked early.

Every field of a configuration dataclass is made with :func:`param`, which stores its help
text, allowed range and source (a seed-fact id such as ``F5`` or a paper) as field metadata,
in the manner of NDlib's parameter schemas. :func:`check` walks a whole configuration tree and
raises :class:`ConfigError` naming the first bad key, its value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import json
import math
import numbers
import os
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np


class ConfigError(ValueError):
    """A configuration value is invalid; the message names key, value and allowed range."""


@dataclass(frozen=True)
class Range:
    """An allowed interval for a numeric parameter.

    Attributes:
        low: smallest allowed value (None: unbounded).
        high: largest allowed value (None: unbounded).
        low_open: whether ``low`` itself is excluded.
        integer: whether only integers are allowed.
        why: why the bounds are where they are, said with them in a refusal.

    """

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    integer: bool = False
    why: str = ""

    def allows(self, value: float) -> bool:
        """Return whether ``value`` lies in the range (never infinite; integers fit 64 bits).

        numpy numbers count as numbers; an integer range takes integers only, not ``10.0``
        (it would reach numpy as a float: an index or a size must be an integer).
        """
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
            return False
        if not math.isfinite(value):
            return False
        if self.integer and not _fits_int64(value):
            return False
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            return False
        return self.high is None or value <= self.high

    def describe(self) -> str:
        """Say the range in words, e.g. ``a number in [0, 1]``, with why if it says."""
        notes = [self.why] if self.why else []
        kind = "an integer" if self.integer else "a number"
        low_bracket = "(" if self.low_open else "["
        if self.low is not None and self.high is not None:
            text = f"{kind} in {low_bracket}{_fmt(self.low)}, {_fmt(self.high)}]"
        elif self.low is not None:
            notes.insert(0, "below 2**63" if self.integer else "finite")
            text = f"{kind} {'>' if self.low_open else '>='} {_fmt(self.low)}"
        elif self.high is not None:
            text = f"{kind} <= {_fmt(self.high)}"
        else:
            text = kind
        return f"{text} ({'; '.join(notes)})" if notes else text


def _fits_int64(value: float) -> bool:
    return isinstance(value, numbers.Integral) and abs(int(value)) <= INT64_MAX


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


INT64_MAX = 2**63 - 1  # integers are stored as int64 (arrays, Parquet columns)
MAX_THRESHOLD = 2**15 - 1  # thresholds are stored as int16 (far above any degree)
PROBABILITY = Range(0.0, 1.0)
SHARE = Range(0.0, 1.0)
NON_NEGATIVE = Range(0.0)
POSITIVE = Range(0.0, low_open=True)
COUNT = Range(0, integer=True)
POSITIVE_COUNT = Range(1, integer=True)


def param(
    default: Any = dataclasses.MISSING,
    help: str = "",
    *,
    range: Range | None = None,
    choices: tuple[str, ...] | None = None,
    source: str = "",
    default_factory: Callable[[], Any] | None = None,
) -> Any:
    """Declare a configuration field with its documentation and allowed values.

    Args:
        default: the default value.
        help: what the parameter means, with its unit.
        range: allowed numeric range, checked by :func:`check` (for a list, each item's).
        choices: allowed string values, checked by :func:`check`.
        source: where the default comes from (seed-fact id or paper).
        default_factory: for mutable defaults (lists and mappings).

    Returns:
        A ``dataclasses.field`` carrying the metadata.

    """
    metadata = {"help": help, "range": range, "choices": choices, "source": source}
    if default_factory is not None:
        return field(default_factory=default_factory, metadata=metadata)
    return field(default=default, metadata=metadata)


def check(node: Any, prefix: str = "") -> None:
    """Check every declared range and choice in a configuration tree.

    Args:
        node: a configuration dataclass instance (nested dataclasses are walked).
        prefix: the dotted key of ``node`` (empty at the root).

    Raises:
        ConfigError: naming the first key whose value is not allowed.

    """
    _refuse_undeclared_attributes(node, prefix)
    for f in dataclasses.fields(node):
        key = f"{prefix}{f.name}"
        value = getattr(node, f.name)
        if dataclasses.is_dataclass(value):
            check(value, key + ".")
            continue
        if isinstance(value, list | tuple):
            for index, item in enumerate(value):
                if dataclasses.is_dataclass(item):
                    check(item, f"{key}[{index}].")
        allowed: Range | None = f.metadata.get("range")
        choices = f.metadata.get("choices")
        if value is None:
            continue
        if allowed is not None and isinstance(value, list | tuple):
            _check_items(key, value, allowed)
        elif allowed is not None and not allowed.allows(value):
            fail(key, value, allowed.describe())
        if choices is not None and value not in choices:
            fail(key, value, "one of " + ", ".join(choices))
    validate = getattr(node, "validate", None)
    if callable(validate):
        validate(prefix)


def nearest_key(name: str, declared: list[str]) -> str | None:
    """The declared key most like ``name`` (``nn``: n; a short name needs less: ``at``: start).

    A key that ``name`` begins (``repl``: replicates) is taken first.
    """
    begun = [key for key in declared if len(name) >= 3 and key.startswith(name)]
    if begun:
        return begun[0]

    def likeness(key: str) -> float:  # difflib's ratio depends on the order: 'at' finds 'start'
        pairs = ((name, key), (key, name))
        return max(difflib.SequenceMatcher(None, a, b).ratio() for a, b in pairs)

    cutoff = 0.5 if len(name) <= 3 else 0.6  # two letters of five in common: 0.57
    best = max(declared, key=likeness, default=None)
    return best if best is not None and likeness(best) >= cutoff else None


def _refuse_undeclared_attributes(node: Any, prefix: str) -> None:
    """Refuse an attribute set in code under a name the schema lacks (a typo would be ignored).

    Raises:
        ConfigError: naming the attribute, the nearest declared key and every declared key.

    """
    declared = [f.name for f in dataclasses.fields(node)]
    extra = sorted(set(vars(node)) - set(declared))
    if extra:
        nearest = nearest_key(extra[0], declared)
        hint = f" (did you mean {prefix}{nearest}?)" if nearest else ""
        raise ConfigError(
            f"{prefix}{extra[0]} is not a key of {type(node).__name__}{hint}: it would be "
            f"ignored. Keys: {', '.join(declared)}."
        )


def _check_items(key: str, items: list | tuple, allowed: Range) -> None:
    for index, item in enumerate(items):
        if not allowed.allows(item):
            fail(f"{key}[{index}]", item, allowed.describe())


def fail(key: str, value: Any, allowed: str) -> None:
    """Raise the standard error for a bad value.

    Raises:
        ConfigError: always.

    """
    raise ConfigError(f"{key}={value!r} is not allowed: expected {allowed}.")


SAID_BY_SWEEP = "REFERRAL_SIM_WARNINGS_SAID"
"""Environment variable: the configuration warnings a sweep said when it checked its jobs (a
JSON list), so that the worker processes it starts (``local_cores``) do not say them again."""
_said: list[str] = []


@functools.cache
def warn_once(message: str, stacklevel: int = 3) -> None:
    """A ``UserWarning`` about the configuration, said once per process.

    A configuration is checked, and a model built, again for each replicate; the warning is
    said the first time, unless the sweep that started this process said it already (see
    :data:`SAID_BY_SWEEP`). ``stacklevel`` counts from the caller of this function's caller.
    """
    _said.append(message)
    if message not in json.loads(os.environ.get(SAID_BY_SWEEP, "[]")):
        warnings.warn(message, UserWarning, stacklevel=stacklevel)


def warnings_said() -> list[str]:
    """The configuration warnings this process has said (or found said by its sweep)."""
    return list(_said)


def threshold_levels(shares: Mapping[Any, float]) -> dict[int, float]:
    """Integer levels of a ``{level: share}`` mapping whose keys may be digit strings.

    Raises:
        ValueError: when a key is not a whole number.

    """
    return {int(str(level)): float(share) for level, share in shares.items()}


def check_shares(key: str, shares: Mapping[Any, float]) -> None:
    """Check a mapping of integer levels >= 1 to population shares summing to 1.

    Raises:
        ConfigError: when a level or share is invalid or the shares do not sum to 1.

    """
    shown = dict(shares)
    if not shares:
        fail(key, shown, "a non-empty mapping {level: share}")
    for level, share in shares.items():
        text = str(level)
        if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_THRESHOLD:
            fail(key, shown, f"whole-number levels in [1, {MAX_THRESHOLD}] as keys, not {level!r}")
        if not SHARE.allows(share):
            fail(f"{key}.{level}", share, f"a share in [0, 1] (the mapping: {shown})")
    levels = threshold_levels(shares)
    if not math.isclose(sum(levels.values()), 1.0, abs_tol=1e-9):
        fail(key, shown, "shares that sum to 1 (add levels with +population.threshold.N=share)")
