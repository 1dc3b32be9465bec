"""Composing a typed, checked configuration from the packaged ``conf/`` directory.

``conf/`` sits at the top of a checkout and is packaged into the wheel as ``sim/conf``;
:func:`conf_dir` finds it in either place. The dataclass schemas are registered in Hydra's
ConfigStore at its root, as ``schema_config`` and ``schema_<group>_<option>``: outside the
config groups, so they are not options (``--help`` does not list them and ``referral=...``
cannot pick one); each option's YAML extends its schema with ``/schema_<group>_<option>@_here_``.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import itertools
import re
import typing
from collections.abc import Iterable, Sequence
from pathlib import Path

import yaml
from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import (
    Glob,
    Override,
    OverrideType,
    Transformer,
    ValueType,
)
from hydra.errors import HydraException, MissingConfigException
from hydra.initialize import get_gh_backup, restore_gh_from_backup
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import (
    ConfigAttributeError,
    ConfigKeyError,
    OmegaConfBaseException,
    ValidationError,
)

from sim.config import Config
from sim.network.options import NETWORK_OPTIONS
from sim.params import ConfigError, check, fail, nearest_key
from sim.schemes import GROUPS

_registered = False
# Hydra's own merge of key overrides (private: hydra-core is pinned to 1.3, and
# tests/test_bad_input.py checks sim.compose against Hydra alone).
APPLY_CHANGES = getattr(ConfigLoaderImpl, "_apply_overrides_to_config", None)


def conf_dir() -> Path:
    """The directory holding ``config.yaml`` (installed package or checkout)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "conf", here.parent / "conf"):
        if (candidate / "config.yaml").is_file():
            return candidate
    raise FileNotFoundError(f"no conf/config.yaml next to {here} or its parent")


def register_configs() -> None:
    """Register every schema in Hydra's ConfigStore (idempotent)."""
    global _registered
    if _registered:
        return
    store = ConfigStore.instance()
    store.store(name="schema_config", node=Config)
    for group, classes in option_classes().items():
        for name, schema in classes.items():
            store.store(name=f"schema_{group}_{name}", node=schema)
    _registered = True


def to_config(cfg: DictConfig) -> Config:
    """Turn a composed DictConfig into a checked :class:`Config`.

    Raises:
        ConfigError: naming the first bad key.

    """
    try:
        config = OmegaConf.to_object(cfg)
    except OmegaConfBaseException as error:
        raise ConfigError(describe_error(error)) from error
    check_declared_keys(config)
    check(config)
    check_option_names(config)
    return config


def sort_mapping_entries(cfg: DictConfig | ListConfig) -> None:
    """Put each mapping parameter's entries in order of their keys (numeric keys as numbers).

    ``+population.threshold.3=0.6 +population.threshold.5=0.2`` and the same two in the other
    order make one configuration (the levels are drawn in sorted order), but the composed
    mapping keeps the command line's order, and so would the job's ``config.yaml``: the same
    job would get two digests, run twice and be read twice. Only free mappings (a ``dict``
    field) are sorted; a schema's keys keep the schema's order. A mapping given whole as an
    interpolation (``${oc.create:...}``), missing or null is left as it is.
    """
    nodes = cfg.items_ex(resolve=False) if isinstance(cfg, DictConfig) else enumerate(cfg)
    for key, _ in list(nodes):
        node = cfg._get_node(key)
        if node._is_missing() or node._is_interpolation() or node._is_none():
            continue
        if isinstance(node, DictConfig) and OmegaConf.get_type(node) is dict:
            entries = OmegaConf.to_container(node, resolve=False)
            cfg[key] = dict(sorted(entries.items(), key=lambda entry: _entry_order(entry[0])))
        elif isinstance(node, DictConfig | ListConfig):
            sort_mapping_entries(node)


def _entry_order(key: object) -> tuple[int, float, str]:
    """Numbers first, by value (``"2"`` before ``"10"``), then other keys by their text."""
    try:
        return (0, float(str(key)), "")
    except ValueError:
        return (1, 0.0, str(key))


def check_declared_keys(config: Config) -> None:
    """Refuse any key the typed configuration does not declare.

    Hydra's ``+key=value`` and ``++key=value`` add keys the schemas lack, and OmegaConf keeps
    them as stray attributes that no code reads: a misspelt key, or a key of another option
    (``referral.verify`` under ``referral=none``), would be silently ignored. The entries of
    mappings (``population.threshold.3``) are values, not keys, and are checked elsewhere.

    Raises:
        ConfigError: naming the first undeclared key, its value, the keys allowed there and
            the nearest one.

    """
    _check_declared("", config)


def _check_declared(prefix: str, node: object) -> None:
    if isinstance(node, list | tuple):
        for index, item in enumerate(node):
            _check_declared(f"{prefix}{index}.", item)
        return
    if not dataclasses.is_dataclass(node):
        return
    declared = [field.name for field in dataclasses.fields(node)]
    for name, value in vars(node).items():
        if name not in declared:
            _refuse_undeclared(prefix, name, value, node, declared)
    for name in declared:
        _check_declared(f"{prefix}{name}.", getattr(node, name))


def _refuse_undeclared(
    prefix: str, name: str, value: object, owner: object, declared: list[str]
) -> None:
    key = prefix + name
    while isinstance(value, dict) and len(value) == 1:  # +a.b.c=1 arrives as a={'b': {'c': 1}}
        inner, value = next(iter(value.items()))
        key = f"{key}.{inner}"
    place = _place(prefix, owner)
    raise ConfigError(_undeclared(key, value, place, prefix, name, declared, type(owner)))


def _undeclared(
    key: str,
    value: object,
    place: str,
    prefix: str,
    name: str,
    declared: list[str],
    schema: type | None = None,
) -> str:
    """The message for an undeclared key: the keys declared at ``place`` and the nearest one.

    The nearest is first the same key one level up or down where ``schema`` declares it
    (:func:`_same_key_nested_otherwise`), then the nearest spelling.
    """
    nested = _same_key_nested_otherwise(key, prefix, name, declared, schema)
    nearest = nearest_key(str(name), declared)
    guess = f" (did you mean {prefix}{nearest}?)" if nearest else ""
    guess = f" (did you mean {nested}?)" if nested else guess
    hint = _other_options_hint(prefix, name)
    return (
        f"{key}={value!r} is not allowed: {place} declares no key {name!r}{guess}. "
        f"Keys of {place}: {', '.join(declared)}.{hint}"
    )


def _same_key_nested_otherwise(
    key: str, prefix: str, name: str, declared: list[str], schema: type | None
) -> str | None:
    """The key the user meant where options nest the same keys at another depth, or None.

    ``seeding.koc.commission_reserve`` under ``seeding=koc_matrix`` is its
    ``seeding.commission_reserve``; ``seeding.commission_reserve`` under ``seeding=mixed`` is
    its ``seeding.koc.commission_reserve`` (a strategist's walkthrough, 4 Dec 2026: the hint
    named only the option that declares the key as given).
    """
    rest = key[len(prefix + name) + 1 :] if key.startswith(prefix + name + ".") else ""
    if rest and rest.split(".")[0] in declared:
        return prefix + rest
    if schema is None or not dataclasses.is_dataclass(schema):
        return None
    nested = [
        f"{prefix}{field}.{key[len(prefix) :]}"
        for field, kind in typing.get_type_hints(schema).items()
        if _declares(kind, name)
    ]
    return " or ".join(nested) or None  # seeding.kol.post_days or seeding.koc.post_days


def _other_options_hint(prefix: str, name: str) -> str:
    """Which options of the group declare ``name``: the key is theirs, not a misspelling.

    A sweep over the group's options is checked before Hydra composes its base
    (:func:`refuse_keys_swept_options_lack`), with advice for the sweep itself; until 3 Dec
    2026 this hint gave that advice to every command, a single run's too.
    """
    group = prefix.rstrip(".")
    options = option_classes().get(group, {})
    having = [o for o, cls in options.items() if name in {f.name for f in dataclasses.fields(cls)}]
    if not having:
        return ""
    return (
        f" Options of {group} that declare it: {', '.join(having)} (choose one first, e.g. "
        f"{group}={having[0]}; a sweep over {group} takes it with those options only)."
    )


def _place(prefix: str, owner: object) -> str:
    """Where a key sits, in words: ``the top level``, ``run``, ``referral (referral=none)``."""
    path = prefix.rstrip(".")
    if not path:
        return "the top level"
    group = path.split(".")[0]
    if group in option_classes() and hasattr(owner, "name") and "." not in path:
        return f"{path} ({group}={owner.name})"
    return path


def check_option_names(config: Config) -> None:
    """Each option's ``name`` must be its own: the name picks the code that runs.

    Options nested in an option (the channels of ``seeding=mixed``) are checked too.

    Raises:
        ConfigError: for an overridden name such as ``seeding.name=kol``.

    """
    for group, options in option_classes().items():
        _check_name(group, getattr(config, group), {cls: name for name, cls in options.items()})


def _check_name(key: str, option: object, names: dict[type, str]) -> None:
    own = names.get(type(option))
    if own is not None and option.name != own:
        group = key.split(".")[0]
        fail(f"{key}.name", option.name, f"{own!r} (choose options with {group}=<name>)")
    for field in dataclasses.fields(option):
        value = getattr(option, field.name)
        if type(value) in names:
            _check_name(f"{key}.{field.name}", value, names)


def option_classes() -> dict[str, dict[str, type]]:
    """The config dataclass of every option, by group: ``{"network": {"small_world": ...}}``."""
    classes = {"network": dict(NETWORK_OPTIONS)}
    for group, registry in GROUPS.items():
        classes[group] = {name: scheme.config_class for name, scheme in registry.items()}
    return classes


def compose(overrides: Sequence[str] = ()) -> Config:
    """Compose the configuration with Hydra-style overrides and check it.

    Hydra composes the option groups (``referral=two_sided``, ``+scenario=...``) and any
    override that is not a plain ``a.b=value`` change (everything, when ``++a.b``, ``~a.b``,
    ``+a.b`` or ``a={...}`` could interleave with those changes); that composition is cached per
    ``conf/`` state (about 0.08 s each), and the ``a.b=value`` changes are applied to a copy by
    Hydra's own merge, as Hydra applies them after its groups: the same configuration and the
    same error messages in about 6 ms (a study composes thousands; ``tests/test_bad_input.py``
    checks both against a composition by Hydra alone).

    Args:
        overrides: e.g. ``["referral=two_sided", "network.n=2000", "seed=3"]``.

    Returns:
        The typed configuration.

    Raises:
        ConfigError: for an unknown option or key, a wrong type or an out-of-range value.

    """
    if isinstance(overrides, str):  # a lone string would be read letter by letter
        raise ConfigError(
            f"overrides must be a list of strings, e.g. sim.compose([{overrides!r}]), "
            f"not the string {overrides!r}"
        )
    try:
        parsed = OverridesParser.create().parse_overrides(list(overrides))
        refuse_merging_overrides(parsed)
        refuse_sweeps(parsed)
        refuse_overridden_choices(override.input_line for override in parsed)
        refuse_options_a_preset_cannot_set(override.input_line for override in parsed)
        changes = [override for override in parsed if _is_value_change(override)]
        groups = tuple(override.input_line for override in parsed if not _is_value_change(override))
        if APPLY_CHANGES is None or _order_matters(parsed, changes):  # Hydra does it all
            cfg = compose_with_hydra(overrides)
        else:
            cfg = copy.deepcopy(_composed(groups, _conf_state()))
            APPLY_CHANGES(changes, cfg)  # what Hydra calls next, after its groups
    except (HydraException, OmegaConfBaseException, OverflowError) as error:
        raise ConfigError(describe_error(error)) from error  # OverflowError: a number too large
    return to_config(cfg)


def refuse_sweeps(overrides: Sequence[Override]) -> None:
    """Refuse several values for a key (``seed=1,2``, ``range(...)``): a configuration has one.

    Hydra's own message asked to "add --multirun to your command line", which a caller of
    :func:`compose` in Python cannot do.

    Raises:
        ConfigError: naming the override, how to compose each value in Python and how to
            sweep them on the command line (and for ``a.b=x,y`` how to write a list or a text).

    """
    for override in overrides:
        if not override.is_sweep_override():
            continue
        written, _, values = override.input_line.partition("=")  # with its + or ++, if any
        raise ConfigError(
            f"{override.input_line} gives {override.key_or_group} several values (a sweep), and "
            f"a run has one: to run each, add -m on the command line (referral-sim -m ... "
            f"{override.input_line}); in Python, compose each, e.g. [sim.compose([f'{written}="
            f"{{value}}']) for value in {_values_of(override)}]."
            + _list_or_text(override, written, values)
        )


def _values_of(override: Override) -> str:
    """The values a sweep override takes, as a Python list (``...`` where Hydra must find them)."""
    try:  # 'a b' keeps its quotes: f"x={value}" composes it (its repr was QuotedString(...))
        values = list(itertools.islice(override.sweep_iterator(Transformer.encode), 4))
    except HydraException:  # glob() needs Hydra's config loader: its matches are names
        return "[...]"
    return repr(values) if len(values) < 4 else f"{repr(values[:3])[:-1]}, ...]"


def _list_or_text(override: Override, written: str, values: str) -> str:
    """For ``a.b=x,y`` (not a group's options), how to write a list or a text with a comma.

    Not for ``sort(x,y)`` or ``shuffle(x,y)``, sweeps written as a call, nor ``~a.b=x,y``.
    """
    if override.value_type is not ValueType.SIMPLE_CHOICE_SWEEP or override.is_delete():
        return ""
    if override.key_or_group in config_groups() or re.match(r"\s*(sort|shuffle)\(", values):
        return ""
    quote = '"' if "'" in values else "'"  # 'a','b' as a text: "'a','b'"
    text = f"{quote}{values}{quote}"
    return f" A list is written {written}=[{values}], a text with a comma {written}={text}."


def refuse_whole_mappings(overrides: Sequence[Override]) -> None:
    """Refuse ``a.b={...}`` for a mapping parameter (``population.threshold``).

    Hydra merges a mapping given on the command line into the one it replaces: ``{}`` would
    change nothing, silently, and ``{3: 1.0}`` would add a level to the default's, with a key
    of the wrong type. A mapping parameter's entries are set one by one instead.

    Raises:
        ConfigError: naming the override and the way to write it.

    """
    for override in overrides:
        key = override.key_or_group
        if override.is_sweep_override() or not isinstance(override.value(), dict):
            continue
        field = _schema_field(key)
        if override.type is OverrideType.DEL or field is None or not _is_mapping(field):
            continue
        default = field.default_factory()
        effect = "add to its entries" if override.value() else "change nothing"
        first = next(iter(default), "N")
        raise ConfigError(
            f"{override.input_line} is not allowed: Hydra merges a mapping into the default "
            f"({key}={default}), so it would {effect}; set the entries one by one, as in "
            f"{_entries_example(key, field)} (~{key}.{first} removes entry {first})."
        )


def refuse_option_lists(overrides: Sequence[Override]) -> None:
    """Refuse a list of options for a group of ``conf/`` (``referral=[one_sided,two_sided]``).

    Hydra merges the listed options into one: the last one's keys over the others', silently
    when its schema extends theirs (``two_sided`` over ``one_sided``; an experiment over
    another, running the first one's sweep in the second one's folder), else with OmegaConf's
    merge error; an empty list leaves the group unset, and a list of one runs that option but
    records the job's parameter as its whole configuration. Several options are a sweep's.
    Hydra's own groups (``hydra/launcher``) are left to Hydra, which refuses a list.

    Raises:
        ConfigError: naming the override, the group's options and what to write instead.

    """
    groups = config_groups()
    for override in overrides:
        group = override.key_or_group
        if group in groups and override.is_sweep_override():
            _refuse_lists_in_sweep(override, groups[group])
            continue
        value = override.value()
        if group not in groups or not isinstance(value, list):
            continue
        written = override.input_line.partition("=")[0]  # with its + or ++, if any
        listed = ",".join(str(item) for item in value)
        options = f"{override.input_line} is not allowed: {group} takes one option "
        options += f"({', '.join(groups[group])})"
        if not value:
            raise ConfigError(f"{options}, and an empty list leaves it unset.")
        if len(value) == 1:
            raise ConfigError(f"{options}, written without brackets: {written}={listed}.")
        raise ConfigError(
            f"{options}, and Hydra would merge these into one ({value[-1]} over the others). "
            + _each_of(written, group, value)
        )


def _refuse_lists_in_sweep(override: Override, options: list[str]) -> None:
    """Refuse a sweep over a group that lists options in one job (``[one_sided,two_sided],none``).

    Raises:
        ConfigError: with the sweep that runs each option, the listed ones and the others.

    """
    try:
        values = list(override.sweep_iterator())
    except HydraException:  # glob() needs Hydra's config loader: its matches are names
        return
    if not any(isinstance(value, list) for value in values):
        return
    flat = [item for value in values for item in (value if isinstance(value, list) else [value])]
    written = override.input_line.partition("=")[0]
    group = override.key_or_group
    raise ConfigError(
        f"{override.input_line} is not allowed: {group} takes one option per job "
        f"({', '.join(options)}), and Hydra would merge a job's list into one. "
        + _each_of(written, group, list(dict.fromkeys(flat)))
    )


def _each_of(written: str, group: str, options: list) -> str:
    """How to run each of several options: a sweep, or for experiments (sweeps) a command each."""
    if group == "experiment":
        commands = ", then ".join(f"referral-sim {written}={option}" for option in options)
        return f"Run each in a command of its own: {commands}."
    return f"To run each, sweep them: referral-sim -m {written}={','.join(map(str, options))}."


@functools.cache
def config_groups() -> dict[str, list[str]]:
    """Each config group of ``conf/`` (``referral``, ``experiment/network``) and its options.

    The groups with schemas list their options in the catalogue's order, the others by name;
    Hydra's own groups (``hydra/...``) are not included.
    """
    classes = option_classes()
    groups = {}
    for folder in sorted(path for path in conf_dir().rglob("*") if path.is_dir()):
        group = folder.relative_to(conf_dir()).as_posix()
        if group == "hydra" or group.startswith("hydra/"):
            continue
        names = sorted(path.stem for path in folder.glob("*.yaml"))
        groups[group] = list(classes.get(group, {})) or names
    return groups


def refuse_overridden_choices(overrides: Iterable[str]) -> None:
    """Refuse a group's option chosen over the one that another chosen option picks for it.

    An option of a nested group chooses another group's option in its defaults
    (``experiment/network=lattice`` holds ``override /network: lattice``), and an option given
    on the command line wins over it: ``experiment=network_sensitivity network=small_world``
    ran small world in every job, labelled lattice, random, circles... (until 3 Dec 2026; with
    ``network=random`` Hydra stopped at the small-world options' ``rewire``). The options of
    ``experiment`` itself are left out: there the command line's choice is the user's variant of
    the preset, and recorded as a parameter (``experiment=reward_sweep referral=tiered``).

    Args:
        overrides: a command's or a job's overrides as written (``+experiment/network=lattice``).

    Raises:
        ConfigError: naming both choices and what to write instead.

    """
    choices = _choices(overrides)
    for group, option in choices.items():
        for other, picked in options_choosing_others().get((group, option), {}).items():
            given = choices.get(other)
            if given is not None and given != picked:
                keys = f"; {other}'s keys can still be set, e.g. {other}.n=2000"
                raise ConfigError(
                    f"{other}={given} is not allowed with {group}={option}: that option "
                    f"chooses {other}={picked}, and the command line's choice would win, so "
                    f"the job would run {given} under the label {option}. Leave {other}= out "
                    f"(each option of {group} chooses its own"
                    f"{keys if other == 'network' else ''})."
                )


def _choices(overrides: Iterable[str]) -> dict[str, str]:
    """``key: value`` of each override as written (``+experiment/network=lattice``), ``+`` off.

    Deletions are left out: ``~network=lattice`` deletes, it does not choose.
    """
    choices = {}
    for line in overrides:
        key, equals, value = line.partition("=")
        if equals and not key.startswith("~"):
            choices[key.lstrip("+")] = value
    return choices


def refuse_options_a_preset_cannot_set(overrides: Iterable[str]) -> None:
    """Refuse another option of a group whose keys the chosen preset sets, if it lacks them.

    ``experiment=commission_reserve seeding=koc_matrix``: the preset chooses ``seeding=mixed``
    and sets ``seeding.koc.recruits``, which ``koc_matrix`` does not declare; Hydra said only
    "Key 'koc' not in 'KocMatrixConfig'" (a strategist's walkthrough, 4 Dec 2026). Another
    option that takes the preset's keys stays a variant of it (``experiment=reward_sweep
    referral=tiered``).

    Raises:
        ConfigError: naming the option, the preset's choice and the keys the option lacks.

    """
    choices = _choices(overrides)
    preset = choices.get("experiment")
    if preset is None:
        return
    settings = preset_settings("experiment", preset)
    for group, option in choices.items():
        picked = settings.get(group)
        cls = option_classes().get(group, {}).get(option)
        if option == picked or cls is None:
            continue
        lacking = [
            key
            for key in settings
            if key.startswith(group + ".") and not _declares(cls, key[len(group) + 1 :])
        ]
        if lacking:
            chooses = f"chooses {group}={picked} and " if picked is not None else ""
            raise ConfigError(
                f"{group}={option} is not allowed with experiment={preset}: that preset "
                f"{chooses}sets {', '.join(lacking)}, which {group}={option} does not declare. "
                f"Leave {group}= out, or run the sweep without the preset, setting its keys "
                f"yourself (conf/experiment/{preset}.yaml)."
            )


def _declares(cls: type, dotted: str) -> bool:
    """Whether the config dataclass ``cls`` declares the key ``dotted`` (``koc.recruits``)."""
    for part in dotted.split("."):
        if not (
            dataclasses.is_dataclass(cls) and part in {f.name for f in dataclasses.fields(cls)}
        ):
            return False
        cls = typing.get_type_hints(cls)[part]
    return True


@functools.cache
def options_choosing_others() -> dict[tuple[str, str], dict[str, str]]:
    """``(group, option)`` -> the other groups' options it chooses, for nested groups' options.

    Read from each option's ``defaults`` list (``- override /network: lattice``); the options
    of ``experiment`` are left out (see :func:`refuse_overridden_choices`).
    """
    chosen = {}
    for group, options in config_groups().items():
        if group == "experiment":
            continue
        for option in options:
            picks = _choices_made_by(option_yaml(group, option))
            if picks:
                chosen[(group, option)] = picks
    return chosen


def option_yaml(group: str, option: str) -> dict:
    """The contents of ``conf/<group>/<option>.yaml`` ({} if there is none)."""
    path = conf_dir() / group / f"{option}.yaml"
    if not path.is_file():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _choices_made_by(content: dict, entry_prefix: str = "override /") -> dict[str, str]:
    """The other groups' options an option's ``defaults`` choose (``- override /network: x``).

    ``entry_prefix="/"``: the groups it adds instead (``- /scenario: gen_z_2026``).
    """
    return {
        key.removeprefix(entry_prefix): str(value)
        for entry in content.get("defaults") or []
        if isinstance(entry, dict)
        for key, value in entry.items()
        if key.startswith(entry_prefix)
    }


def preset_settings(group: str, option: str) -> dict[str, object]:
    """What an option sets other than Hydra's own: ``{"referral": "two_sided", ...}``.

    For ``experiment=reward_sweep``: the groups it adds (``scenario=gen_z_2026``, until 4 Dec
    2026 left out) and chooses (``referral=two_sided``) and the values it sets
    (``run.replicates=30``), as read from its file in ``conf/`` now; its launcher and sweep
    (``hydra``) are left out. Empty for an option with no file.
    """
    content = option_yaml(group, option)
    added = _choices_made_by(content, "/")
    chosen = {
        name: value
        for name, value in _choices_made_by(content).items()
        if not name.startswith("hydra/")
    }
    values = {key: value for key, value in content.items() if key not in ("defaults", "hydra")}
    return {**added, **chosen, **_flattened(values)}


def _flattened(values: dict, prefix: str = "") -> dict[str, object]:
    """Nested mappings as dotted keys: ``{"run": {"replicates": 30}}`` -> ``run.replicates``."""
    flat = {}
    for key, value in values.items():
        if isinstance(value, dict) and value:
            flat.update(_flattened(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def refuse_merging_overrides(overrides: Sequence[Override]) -> None:
    """Refuse what Hydra would merge instead of set: a mapping, or a list of options."""
    refuse_whole_mappings(overrides)
    refuse_option_lists(overrides)


def refuse_keys_swept_options_lack(overrides: Sequence[Override]) -> None:
    """Refuse a key set for every job of a sweep over its group's options that not all take.

    ``-m referral=one_sided,commission referral.rate=0.1``: Hydra composes the sweep's base
    with the group's default option (``none``) first, and the message named that option, which
    the command never chose, with advice that led to a second refusal, for ``one_sided``
    (until 3 Dec 2026). This names the swept options that lack the key, or, when all of them
    have it, the default that Hydra composes first and how to get past it.

    Raises:
        ConfigError: naming the key, the options lacking it and the command(s) to run instead.

    """
    classes = option_classes()
    swept = {
        o.key_or_group: _options_swept(o, list(classes[o.key_or_group]))
        for o in overrides
        if o.is_sweep_override() and o.is_discrete_sweep() and o.key_or_group in classes
    }
    for override in overrides:
        group, _, rest = override.key_or_group.partition(".")
        if override.type is not OverrideType.CHANGE or group not in swept or not rest:
            continue
        options = swept[group]
        if not options or not set(options) <= set(classes[group]):
            continue  # an option misspelt (or none): Hydra names it, with the others
        name = rest.split(".")[0]
        having = [o for o, cls in classes[group].items() if name in _field_names(cls)]
        if not having:
            _refuse_a_key_no_option_declares(override, group, name, options)
        elif set(options) <= set(having):
            if not override.is_sweep_override():  # choice(5) gets past the base
                _refuse_before_the_base(override, group, name, options)
        else:
            _refuse_for_the_options_lacking(override, group, name, options, having)


def _options_swept(override: Override, options: list[str]) -> list[str]:
    """The options a sweep over a group runs: its values, or those a ``glob()`` matches."""
    value = override.value()
    if isinstance(value, Glob):  # Hydra matches it against the config loader's listing
        return value.filter(sorted(options))
    return [str(v) for v in override.sweep_string_iterator()]


def _field_names(cls: type) -> set[str]:
    return {field.name for field in dataclasses.fields(cls)}


def _refuse_a_key_no_option_declares(
    override: Override, group: str, name: str, options: list[str]
) -> None:
    """A misspelt key in a sweep over its group: the keys of the swept options, the nearest.

    Hydra's base (the group's default, ``referral=none``) declares only ``name``, so the
    message of a misspelt ``referral.refrer_reward`` named no key near it (until 3 Dec 2026).
    """
    classes = option_classes()[group]
    declared = list(dict.fromkeys(f for o in options for f in _field_names(classes[o])))
    nearest = nearest_key(name, declared)
    guess = f" (did you mean {group}.{nearest}?)" if nearest else ""
    swept = ", ".join(f"{group}={o}" for o in options)
    raise ConfigError(
        f"{override.input_line} is not allowed: no option of {group} declares {name!r}{guess}. "
        f"Keys of the options this sweep runs ({swept}): {', '.join(sorted(declared))}."
    )


def _refuse_before_the_base(override: Override, group: str, name: str, swept: list[str]) -> None:
    """Refuse a key every swept option takes where the default Hydra composes first lacks it.

    The message says the way past the default: ``choice(value)`` or ``++``; and, if a swept
    option (of ``swept``) would refuse the value too, that it must be fixed first.
    """
    default = getattr(compose_with_hydra(())[group], "name", None)
    if default is None or name in _field_names(option_classes()[group].get(default, object)):
        return
    key, value = override.key_or_group, override.get_value_element_as_str()
    raise ConfigError(
        f"{key}={value} is not allowed as written in this sweep: Hydra composes a sweep's base "
        f"with {group}'s default option, {group}={default}, before the sweep's options, and "
        f"{default} declares no key {name!r}. Write {key}=choice({value}) (one value, for "
        f"every job) or ++{key}={value}."
        + _out_of_range_there(override, [option_classes()[group][o] for o in swept], name)
    )


def _refuse_for_the_options_lacking(
    override: Override, group: str, name: str, options: list[str], having: list[str]
) -> None:
    lacking = [o for o in options if o not in having]
    key, written = override.key_or_group, override.input_line.partition("=")[2]
    swept = written if override.is_sweep_override() else f"choice({written})"
    with_key = [o for o in options if o in having] or having[:1]
    which = "which declares" if len(lacking) == 1 else "which declare"
    jobs = "that option's jobs" if len(lacking) == 1 else "those options' jobs"
    raise ConfigError(
        f"{key}={written} is not allowed in this sweep: it runs "
        f"{', '.join(f'{group}={o}' for o in lacking)}, {which} no key {name!r}, so {jobs} "
        f"cannot take it (options of {group} that declare it: {', '.join(having)}). Sweep those "
        f"with the key in one command (-m {group}={','.join(with_key)} {key}={swept}) and the "
        f"others in another (-m {group}={','.join(lacking)}), without it, each into its own "
        "hydra.sweep.dir under one parent folder, which referral-sim-report reads whole (a "
        "second sweep into the same folder sets the first one's jobs aside in earlier/)."
        + _out_of_range_there(override, [option_classes()[group][o] for o in with_key], name)
    )


def _out_of_range_there(override: Override, options: list[type], name: str) -> str:
    """A sentence on the override's values that a field ``name`` of ``options`` would refuse too.

    The advice above once led to a second refusal: ``referral.referrer_reward=-1`` in a sweep
    with ``referral=none`` was told to sweep ``one_sided`` with ``choice(-1)``, which is out of
    range (until 3 Dec 2026). Values that are not numbers, and sweeps over an interval or a
    ``glob()``, are left to that run to refuse. Where the options' ranges differ
    (``network.n``), the first range that refuses a value is said.
    """
    if override.is_sweep_override() and (
        not override.is_discrete_sweep() or isinstance(override.value(), Glob)
    ):  # glob(): Hydra's to match (or refuse) against a group's options
        return ""
    values = list(override.sweep_iterator()) if override.is_sweep_override() else [override.value()]
    for option in options:
        field = next(f for f in dataclasses.fields(option) if f.name == name)
        allowed = field.metadata.get("range")
        if allowed is None:
            continue
        out = [str(v) for v in values if isinstance(v, int | float) and not allowed.allows(v)]
        refused = list(dict.fromkeys(out))  # -1,-1: said once
        if refused:
            break
    else:
        return ""
    values = ", ".join(refused)
    which = f"it first: {values} is" if len(refused) == 1 else f"them first: {values} are"
    return f" Fix {which} out of range there (expected {allowed.describe()})."


def _schema_field(key: str) -> dataclasses.Field | None:
    """The schema's field that ``key`` names (``population.threshold``), if it is a fixed one."""
    owner: object = Config
    found = None
    for part in key.split("."):
        if not dataclasses.is_dataclass(owner):
            return None
        fields = {field.name: field for field in dataclasses.fields(owner)}
        if part not in fields:
            return None
        found, owner = fields[part], typing.get_type_hints(owner)[part]
    return found


def _is_mapping(field: dataclasses.Field) -> bool:
    """Whether a schema field holds a mapping (its default is a ``dict``)."""
    return field.default_factory is not dataclasses.MISSING and isinstance(
        field.default_factory(), dict
    )


def _entries_example(key: str, field: dataclasses.Field) -> str:
    """The example of setting ``key``'s entries one by one that its help gives."""
    name = re.escape(key)
    found = re.search(rf"{name}\.\S+(?: \+{name}\.\S+)*", field.metadata.get("help", ""))
    return found.group(0) if found else f"{key}.N=value"


def compose_with_hydra(overrides: Sequence[str]) -> DictConfig:
    """Hydra's own composition of ``overrides`` (unchecked; Hydra's exceptions unchanged).

    A caller's own Hydra session (``initialize_config_dir`` in a notebook) is put back after.
    """
    register_configs()
    caller = get_gh_backup()
    try:
        if GlobalHydra.instance().is_initialized():
            GlobalHydra.instance().clear()
        with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
            return hydra_compose(config_name="config", overrides=list(overrides))
    finally:
        restore_gh_from_backup(caller)


def _is_value_change(override: Override) -> bool:
    """``a.b=value``: a plain change of a nested key, applied after Hydra's groups."""
    key = override.key_or_group
    return (
        override.type == OverrideType.CHANGE
        and "." in key
        and "/" not in key
        and override.package is None
        and not override.is_sweep_override()
        and not override.is_hydra_override()
    )


def _order_matters(parsed: list[Override], changes: list[Override]) -> bool:
    """Whether another override touches keys too (``++a.b``, ``~a.b``, ``+a.b``, ``a={...}``).

    Hydra applies those in command-line order among the ``a.b=value`` changes; applied to the
    cached groups first, they would come out in another order.
    """
    others = [override for override in parsed if override not in changes]
    return any(
        "." in override.key_or_group or isinstance(override.value(), dict | list)
        for override in others
    )


@functools.lru_cache(maxsize=32)
def _composed(overrides: tuple[str, ...], conf_state: tuple) -> DictConfig:
    """Hydra's composition, kept per overrides and ``conf/`` state (callers copy it)."""
    return compose_with_hydra(overrides)


def _conf_state() -> tuple:
    """Each option file's path, size and modification time: a refitted file is read again."""
    stats = [(str(path), path.stat()) for path in sorted(conf_dir().rglob("*.yaml"))]
    return tuple((path, stat.st_size, stat.st_mtime_ns) for path, stat in stats)


def describe_error(error: BaseException) -> str:
    """A short message for a Hydra or OmegaConf error, with its cause, without internals."""
    explained = (
        _unknown_key(error) or _not_a_list(error) or _not_a_value(error) or _wrong_type(error)
    )
    if explained:
        return explained
    parts = []
    for cause in causes(error):
        if re.search(r"\$[A-Z_]+", str(cause)):  # OmegaConf's template before its values,
            continue  # a cause of the formatted error under a debugger or OC_CAUSE=1
        text, _, details = str(cause).partition("\n    full_key:")
        text = _with_nearest_option(cause, text.split("\nConfig search path:")[0].strip())
        key = details.split()[0] if details.split() else ""
        if key and key not in text:
            text = f"{key}: {text}"
        text = _compact(text.splitlines())
        if text and text not in parts:
            parts.append(text)
    return "\n".join(parts)


def _with_nearest_option(error: BaseException, text: str) -> str:
    """Hydra's ``Could not find 'referral/two_side'`` with `` (did you mean referral=two_sided?)``.

    Hydra lists the group's options but names none of them for a misspelt one (until 4 Dec 2026).
    """
    if not isinstance(error, MissingConfigException) or not error.options:
        return text
    group, _, option = (error.missing_cfg_file or "").rpartition("/")
    nearest = nearest_key(option, list(error.options))
    if not group or not nearest:
        return text
    missing = f"Could not find '{error.missing_cfg_file}'"
    return text.replace(missing, f"{missing} (did you mean {group}={nearest}?)", 1)


def causes(error: BaseException) -> list[BaseException]:
    """The error, then what it was raised ``from``, and so on, each once.

    Only explicit causes: an error raised while another was being handled (its
    ``__context__``) is not about that one, and a bug inside an ``except OSError:`` must read as
    a bug, not as a file the user should fix. The chain can loop: under a debugger or a coverage
    tracer, or with ``OC_CAUSE=1``, OmegaConf sets the cause of the error it re-raises, which can
    be an error whose cause leads back to it.
    """
    chain: list[BaseException] = []
    while error is not None and error not in chain:
        chain.append(error)
        error = error.__cause__
    return chain


def _compact(lines: Iterable[str]) -> str:
    """Drop blank lines and put tab-indented lists (Hydra's available options) on one line."""
    kept: list[str] = []
    for line in lines:
        if line.startswith("\t") and kept:
            kept[-1] += (" " if kept[-1].endswith(":") else ", ") + line.strip()
        elif line.strip():
            kept.append(line.strip())
    return "\n".join(kept)


def _unknown_key(error: BaseException) -> str | None:
    """Hydra's ``Could not override 'network.nn'``, said as :func:`check_declared_keys` says it.

    Hydra's own advice, to add the key with ``+``, only leads there: this names the keys declared
    where it was given and the nearest one. The unknown key may be on the override's path
    (``network.nn=5000``, ``referral.tiers.0.at=1``) or inside its value
    (``referral.tiers=[{at: 1, ...}]``).
    """
    found = re.fullmatch(
        r"Could not override '(.+)'\.\nTo append to your config use \+(.*)", str(error), re.DOTALL
    )
    cause = error.__cause__
    if not found or not isinstance(cause, ConfigKeyError | ConfigAttributeError):
        return None
    schema = cause.object_type
    if not (isinstance(schema, type) and dataclasses.is_dataclass(schema)):
        return None
    declared = [field.name for field in dataclasses.fields(schema)]
    name = cause.key
    if not isinstance(name, str) or name in declared:
        return None
    key, value = found.group(1), _override_value(found.group(2))
    path = re.sub(r"\[(\d+)\]", r".\1", cause.full_key or "")  # referral.tiers[0].at
    if path == key or key.startswith(path + "."):  # on the override's path
        prefix = path[: -len(name)]
        return _undeclared(key, value, _place(prefix, schema), prefix, name, declared, schema)
    inside = _holder(value, name)  # inside the value: name the item, e.g. referral.tiers[0]
    if inside is None:
        place = f"each {schema.__name__} in {key}"
        return _undeclared(key, value, place, "", name, declared)
    where, holder = inside
    place = f"{key}{where}"
    return _undeclared(f"{place}.{name}", holder[name], place, place + ".", name, declared)


def _override_value(line: str) -> object:
    """The value of an override line ``key=value`` as Hydra reads it (its text if unparsable)."""
    try:
        return OverridesParser.create().parse_override(line).value()
    except HydraException:
        return line.partition("=")[2]


def _holder(value: object, name: str, where: str = "") -> tuple[str, dict] | None:
    """Where in ``value`` the first mapping holding ``name`` sits (``[0]``), and that mapping."""
    if isinstance(value, dict):
        if name in value:
            return where, value
        items = [(f"{where}.{key}", item) for key, item in value.items()]
    elif isinstance(value, list):
        items = [(f"{where}[{index}]", item) for index, item in enumerate(value)]
    else:
        return None
    for place, item in items:
        found = _holder(item, name, place)
        if found is not None:
            return found
    return None


@dataclasses.dataclass(frozen=True)
class _Refused:
    """An override OmegaConf refused to merge into a declared field, and why."""

    key: str
    value: object  # as Hydra reads it
    cause: ValidationError
    schema: type  # the dataclass declaring the field
    field: dataclasses.Field


def _refused_override(error: BaseException) -> _Refused | None:
    """The override of an ``Error merging override ...`` into a declared field, else None."""
    found = re.fullmatch(r"Error merging override (.+)", str(error))
    cause = error.__cause__
    if not found or not isinstance(cause, ValidationError):
        return None
    schema = cause.object_type
    if not (isinstance(schema, type) and dataclasses.is_dataclass(schema)):
        return None
    field = {f.name: f for f in dataclasses.fields(schema)}.get(cause.key)
    if field is None:
        return None
    line = found.group(1)
    return _Refused(line.partition("=")[0], _override_value(line), cause, schema, field)


def _declared_type(refused: _Refused) -> object:
    """The type the refused override's field declares (None if it cannot be read)."""
    try:
        return typing.get_type_hints(refused.schema)[refused.field.name]
    except (NameError, TypeError, KeyError):
        return None


def _not_a_list(error: BaseException) -> str | None:
    """OmegaConf's ``int is not a ListConfig, list or tuple`` for a list key, with an example.

    ``referral.tiers=5`` is refused with what a list of tiers looks like, from the default.
    """
    refused = _refused_override(error)
    if refused is None or "is not a ListConfig, list or tuple" not in str(refused.cause):
        return None
    items = typing.get_args(_declared_type(refused))
    if not items:
        return None
    item, field = items[0], refused.field
    default = field.default_factory() if callable(field.default_factory) else field.default
    words = {int: "integers", float: "numbers", str: "strings"}
    kind = words.get(item, f"{getattr(item, '__name__', 'item').lower()}s")
    shown = (
        default[: 1 if dataclasses.is_dataclass(item) else 2] if isinstance(default, list) else []
    )
    example = f" like [{', '.join(_yaml(value) for value in shown)}, ...]" if shown else ""
    return f"{refused.key}={refused.value!r} is not allowed: expected a list of {kind}{example}."


def _not_a_value(error: BaseException) -> str | None:
    """OmegaConf's ``int is not a subclass of BudgetConfig`` for a value given to a set of keys.

    ``budget=60000`` is refused with the keys of ``budget`` and ``budget.total=60000`` as the
    example (until 3 Dec 2026 the message named only the class, ``BudgetConfig``).
    """
    refused = _refused_override(error)
    if refused is None:
        return None
    if not re.match(r"Invalid type assigned: \w+ is not a subclass of", str(refused.cause)):
        return None
    keys = _declared_type(refused)
    if not dataclasses.is_dataclass(keys):
        return None
    names = [field.name for field in dataclasses.fields(keys)]
    key, value = refused.key, refused.value
    return (
        f"{key}={value!r} is not allowed: {key} is a set of keys ({', '.join(names)}), not a "
        f"value; set one of them, e.g. {key}.{names[0]}={_yaml(value)}."
    )


def _wrong_type(error: BaseException) -> str | None:
    """OmegaConf's ``Value 'abc' of type 'str' could not be converted to Integer``, with the range.

    ``network.n=abc`` is refused with what the key takes, as a value out of its range is
    (``expected an integer >= 3 ...``); until 3 Dec 2026 it said only OmegaConf's conversion.
    """
    refused = _refused_override(error)
    if refused is None:
        return None
    pattern = r"could not be converted to (\w+)|is not a valid (bool)"
    converted = re.search(pattern, str(refused.cause))
    if not converted:
        return None
    allowed = refused.field.metadata.get("range")
    kinds = {"Integer": "an integer", "Float": "a number", "Boolean": "true or false"}
    kinds["bool"] = kinds["Boolean"]
    kind = kinds.get(converted.group(1) or converted.group(2))
    expected = allowed.describe() if allowed is not None else kind
    if expected is None:
        return None
    return f"{refused.key}={refused.value!r} is not allowed: expected {expected}."


def _yaml(value: object) -> str:
    """A value as it is written in an override: ``{start: 1, reward: 10, kind: cash}``."""
    if dataclasses.is_dataclass(value):
        fields = dataclasses.fields(value)
        return "{" + ", ".join(f"{f.name}: {_yaml(getattr(value, f.name))}" for f in fields) + "}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
