"""The independent cascade in each engine the benchmark compares, with the same semantics.

Every runner takes a prepared graph, the seeds and the transmission probability ``p``: each
newly activated node tries each neighbour once, independently, with probability ``p``. Only
the cascade itself is timed; building each engine's graph is excluded. Each returns
``(seconds, final_size)`` where the final size counts the seeds.
"""

from __future__ import annotations

import time
from array import array

import mesa
import networkx as nx
import numpy as np
from mesa.agent import AgentSet
from mesa.discrete_space import FixedAgent, Network

import sim
from sim import theory
from sim.network.graph import SocialGraph

CASCADE_DAYS = 400
"""Days our engine is given: the benchmark's small-world cascades end within 71. A cascade still
spreading on the last day (a long path) is refused, never cut short (see :func:`ours`)."""
# The IC limit (sim.theory), without influencers.
INDEPENDENT_CASCADE = [
    *theory.INDEPENDENT_CASCADE,
    "influencers.kols=0",
    "influencers.koc_share=0",
    f"days={CASCADE_DAYS}",
]


def ours(graph: SocialGraph, seeds: np.ndarray, p: float, seed: int) -> tuple[float, int]:
    """referral-sim's ReferralModel in its independent-cascade limit (seeds drawn by the model)."""
    config = sim.compose(
        [
            *INDEPENDENT_CASCADE,
            f"network.n={graph.n}",
            f"conversion.peer={p}",
            f"seeding.initial_customers={len(seeds)}",
            f"seed={seed}",
        ]
    )
    model = sim.ReferralModel(config, graph=graph)
    start = time.perf_counter()
    model.run()
    seconds = time.perf_counter() - start
    if not model.is_settled():  # its final size would be short of the peers'
        raise RuntimeError(
            f"the cascade was still spreading on day {CASCADE_DAYS}: our engine's final size "
            f"would be cut short (raise peers.CASCADE_DAYS for a graph this long)"
        )
    return seconds, int(model.consumers.is_customer().sum())


def bare_numpy_runner(graph: SocialGraph, seeds: np.ndarray, p: float, seed: int):
    """The independent cascade alone in numpy, a generation a step: the floor of a numpy engine.

    Not a peer but a reference: the fewest numpy calls a generation that the cascade needs
    (gather the new adopters' friends, one draw per try, drop the already active, deduplicate),
    with none of the marketing model that our engine runs each day (awareness, traits, the
    offer, attribution, accounting). Our time over this one is the cost of that model.
    """
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    active = np.zeros(graph.n, dtype=bool)
    first = np.empty(graph.n, dtype=np.int64)  # scratch: a position of each id in a generation
    frontier = np.unique(seeds)
    active[frontier] = True
    while frontier.size:
        _, tried = graph.friends_of(frontier)
        reached = tried[rng.random(tried.size) < p]
        reached = reached[~active[reached]]
        positions = np.arange(reached.size)
        first[reached] = positions  # the last write of each id wins: one position per id
        frontier = reached[first[reached] == positions]
        active[frontier] = True
    return time.perf_counter() - start, int(active.sum())


def cynetdiff_runner(graph: SocialGraph, seeds: np.ndarray, p: float, seed: int):
    """Cynetdiff's IndependentCascadeModel built from CSR arrays (its fastest path)."""
    from cynetdiff.models import IndependentCascadeModel

    starts = array("I", graph.indptr[:-1].astype(np.uint32).tobytes())
    edges = array("I", graph.indices.astype(np.uint32).tobytes())
    model = IndependentCascadeModel(starts, edges, activation_prob=p, rng=seed)
    model.set_seeds({int(s) for s in seeds})
    start = time.perf_counter()
    model.advance_until_completion()
    return time.perf_counter() - start, int(model.get_num_activated_nodes())


def eon_runner(graph: nx.Graph, seeds: np.ndarray, p: float, seed: int):
    """EoN's basic_discrete_SIR (Kiss, Miller & Simon, fig. 6.8)."""
    import EoN

    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    _, _, _, recovered = EoN.basic_discrete_SIR(graph, p, initial_infecteds=list(seeds), rng=rng)
    return time.perf_counter() - start, int(recovered[-1])


def ndlib_runner(graph: nx.Graph, seeds: np.ndarray, p: float, seed: int):
    """NDlib's IndependentCascadesModel with threshold ``p`` on every edge."""
    import ndlib.models.epidemics as epidemics
    from ndlib.models import ModelConfig

    np.random.seed(seed)  # noqa: NPY002  (NDlib draws from numpy's global state)
    model = epidemics.IndependentCascadesModel(graph, seed=seed)
    config = ModelConfig.Configuration()
    config.add_model_initial_configuration("Infected", [int(s) for s in seeds])
    for edge in graph.edges():
        config.add_edge_configuration("threshold", edge, p)
    model.set_initial_status(config)
    start = time.perf_counter()
    while True:
        result = model.iteration(node_status=False)
        if result["iteration"] > 0 and result["node_count"][1] == 0:
            break
    return time.perf_counter() - start, int(result["node_count"][2])


class Person(FixedAgent):
    """A node of the per-agent model: tries its neighbours once, the step after activation."""

    def __init__(self, model: mesa.Model, cell) -> None:
        super().__init__(model)
        self.cell = cell
        self.state = "susceptible"

    def step(self) -> None:
        """A fresh adopter tries each susceptible neighbour with probability p."""
        if self.state != "fresh":
            return
        for neighbour in self.cell.neighborhood.agents:
            if neighbour.state == "susceptible" and self.random.random() < self.model.p:
                neighbour.state = "next"
                self.activated(neighbour)
        self.state = "done"

    def activated(self, neighbour: Person) -> None:
        """A hook for each neighbour this agent activates (nothing here)."""

    def advance(self) -> None:
        """Adopters of this step act in the next one."""
        if self.state == "next":
            self.state = "fresh"


class FrontierPerson(Person):
    """A :class:`Person` that tells the model whom it activated (the next frontier)."""

    def activated(self, neighbour: Person) -> None:
        """Add the neighbour to ``model.reached``, the next frontier."""
        self.model.reached.append(neighbour)


class PerAgentCascade(mesa.Model):
    """The straightforward Mesa way: agents with step() on a discrete_space.Network."""

    person = Person

    def __init__(self, graph: nx.Graph, seeds: np.ndarray, p: float, seed: int) -> None:
        super().__init__(rng=seed)
        self.p = p
        space = Network(graph, random=self.random, layout=None)
        self.people = {node: self.person(self, cell) for node, cell in space._cells.items()}
        for s in seeds:
            self.people[int(s)].state = "fresh"

    def step(self) -> None:
        """Every agent steps, then newly activated agents become fresh."""
        self.agents.shuffle_do("step")
        self.agents.do("advance")
        self.running = any(person.state == "fresh" for person in self.agents)


class FrontierCascade(PerAgentCascade):
    """A careful per-agent Mesa model: the same agents, but only the fresh adopters step.

    :class:`PerAgentCascade` steps every agent every generation, as the straightforward Mesa
    model does; here the model keeps the frontier (an ``AgentSet`` of the fresh adopters) and
    steps it alone, 4-6x faster at 10k-100k (a benchmark review, 2 Dec 2026).
    """

    person = FrontierPerson

    def __init__(self, graph: nx.Graph, seeds: np.ndarray, p: float, seed: int) -> None:
        super().__init__(graph, seeds, p, seed)
        self.frontier = [self.people[int(s)] for s in seeds]
        self.reached: list[FrontierPerson] = []

    def step(self) -> None:
        """The fresh adopters try their neighbours; those they activate are the next frontier."""
        AgentSet(self.frontier, random=self.random).shuffle_do("step")
        for person in self.reached:
            person.advance()
        self.frontier, self.reached = self.reached, []
        self.running = bool(self.frontier)


def mesa_runner(graph: nx.Graph, seeds: np.ndarray, p: float, seed: int):
    """The per-agent Mesa model (agent creation excluded from the time)."""
    return _run_per_agent(PerAgentCascade(graph, seeds, p, seed))


def mesa_frontier_runner(graph: nx.Graph, seeds: np.ndarray, p: float, seed: int):
    """The per-agent Mesa model stepping only the frontier (agent creation excluded)."""
    return _run_per_agent(FrontierCascade(graph, seeds, p, seed))


def _run_per_agent(model: PerAgentCascade) -> tuple[float, int]:
    start = time.perf_counter()
    while model.running:
        model.step()
    elapsed = time.perf_counter() - start
    return elapsed, sum(person.state == "done" for person in model.agents)
