"""Studies and benchmarks built on the simulator: optimisation, sensitivity, performance."""
