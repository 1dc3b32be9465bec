"""The ``referral-sim`` command: a thin Hydra entry point over :func:`sim.run`.

Examples::

    referral-sim                                   # the default market, one replicate
    referral-sim referral=two_sided run.replicates=10
    referral-sim -m referral=none,one_sided,two_sided

Bad configuration values stop the command before anything runs, with a one-paragraph message
naming the key, the value and what is allowed, and exit code 2.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim.configure import compose, conf_dir, register_configs, to_config
from sim.params import ConfigError
from sim.runner import run
from sim.storage import write_parquet_atomic
from sim.summary import format_summary

EXIT_BAD_CONFIG = 2
PROGRAM = "referral-sim"


def main() -> None:
    """Console entry point: check the overrides, then hand over to Hydra."""
    register_configs()
    overrides = _plain_overrides(sys.argv[1:])
    if overrides is not None:
        try:
            compose(overrides)
        except ConfigError as error:
            _exit_bad_config(error)
    _hydra_main()


def _plain_overrides(arguments: list[str]) -> list[str] | None:
    """The model overrides of a plain single run, or None when Hydra flags are involved."""
    if any(argument.startswith("-") for argument in arguments):
        return None
    return [a for a in arguments if not a.lstrip("+~").startswith(("hydra.", "hydra/"))]


def _exit_bad_config(error: ConfigError) -> None:
    print(f"{PROGRAM}: invalid configuration: {error}", file=sys.stderr)
    print(f"See '{PROGRAM} --help' and the documented defaults in conf/.", file=sys.stderr)
    sys.exit(EXIT_BAD_CONFIG)


@hydra.main(version_base="1.3", config_path=str(conf_dir()), config_name="config")
def _hydra_main(cfg: DictConfig) -> None:
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    try:
        config = to_config(cfg)
        result = run(config)
    except ConfigError as error:
        _exit_bad_config(error)
    output = Path(HydraConfig.get().runtime.output_dir)
    write_parquet_atomic(result.metrics, output / "metrics.parquet")
    write_parquet_atomic(result.timeseries, output / "timeseries.parquet")
    print(_headline(config))
    print(format_summary(result.metrics))
    print(f"results: {output}")


def _headline(config) -> str:
    network = config.network
    size = f"n={network.n}" if hasattr(network, "n") else network.path
    return (
        f"{PROGRAM}: network={network.name} ({size}) seeding={config.seeding.name} "
        f"referral={config.referral.name} retention={config.retention.name} "
        f"days={config.days} replicates={config.run.replicates} seed={config.seed}"
    )


if __name__ == "__main__":
    main()
