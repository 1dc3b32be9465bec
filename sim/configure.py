"""Composing a typed, checked configuration from the packaged ``conf/`` directory.

``conf/`` sits at the top of a checkout and is packaged into the wheel as ``sim/conf``;
:func:`conf_dir` finds it in either place. The dataclass schemas are registered in Hydra's
ConfigStore as ``base_config`` and ``<group>/base_<option>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.config import Config
from sim.network.options import NETWORK_OPTIONS
from sim.params import ConfigError, check
from sim.schemes import GROUPS

_registered = False


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
    store.store(name="base_config", node=Config)
    for name, schema in NETWORK_OPTIONS.items():
        store.store(group="network", name=f"base_{name}", node=schema)
    for group, registry in GROUPS.items():
        for name, scheme in registry.items():
            store.store(group=group, name=f"base_{name}", node=scheme.config_class)
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
    check(config)
    return config


def compose(overrides: Sequence[str] = ()) -> Config:
    """Compose the configuration with Hydra-style overrides and check it.

    Args:
        overrides: e.g. ``["referral=two_sided", "network.n=2000", "seed=3"]``.

    Returns:
        The typed configuration.

    Raises:
        ConfigError: for an unknown option or key, a wrong type or an out-of-range value.

    """
    register_configs()
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
            cfg = hydra_compose(config_name="config", overrides=list(overrides))
    except (HydraException, OmegaConfBaseException) as error:
        raise ConfigError(describe_error(error)) from error
    return to_config(cfg)


def describe_error(error: BaseException) -> str:
    """A short message for a Hydra or OmegaConf error, with its cause, without internals."""
    parts = []
    while error is not None:
        text = str(error).split("\n    full_key:")[0].strip()
        text = text.split("\nConfig search path:")[0].strip()
        text = "\n".join(line for line in text.splitlines() if not line.strip().startswith("base_"))
        if text and text not in parts:
            parts.append(text)
        error = error.__cause__
    return "\n".join(parts)
