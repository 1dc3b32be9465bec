"""Loading a user's friendship network: an edge list, a CSV or GraphML file, or a networkx graph.

Node ids may be any integers or strings (``NA`` and ``null`` are ids too; ids are integers only
when every one is written as a plain integer, so ``01`` and ``1`` are two people); they are
relabelled ``0..n-1`` in sorted order (those of a GraphML file or a networkx graph: in the
graph's node order), and the original ids are kept as the graph's ``labels``. Self-loops,
duplicate edges and lines with fewer than two ids are dropped with a warning; a line's ids after
its first two (a weight) are ignored, with a warning where lines of other lengths show the file
may be an adjacency list (a person and all their friends a line). The first line is
read as a header (with a warning, except in a CSV file) when it is text followed by numbers or a
known pair of column names (``source target``, ``from to``, ...); ``first_line="header"`` or
``"edge"`` settles the cases this cannot tell, such as other column names over text ids.
"""

from __future__ import annotations

import collections
import csv
import functools
import io
import warnings
from collections.abc import Hashable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

from sim.console import counted
from sim.network.graph import SocialGraph, from_edges
from sim.params import ConfigError

if TYPE_CHECKING:
    import networkx as nx

GRAPHML_SUFFIXES = (".graphml", ".xml")
FIRST_LINE = ("auto", "header", "edge")
"""How the first line of an edge list or CSV is read: detected, column names, or a friendship."""
PLAIN_INTEGER = r"0|-?[1-9][0-9]*"
"""An id written as an integer, read as one (``"007"`` and ``"7"`` are two people)."""


def load_edgelist(
    path: str | Path, key: str = "network.path", first_line: str = "auto"
) -> SocialGraph:
    """Read a friendship network from a file.

    Whitespace-separated edge lists (``u v`` per line; ``#`` starts a comment anywhere on a
    line, as in networkx's ``read_edgelist``), CSV files (first two columns; a header row is
    detected; spaces around a field are dropped, so ``1, 2`` is a friendship of ``1`` and
    ``2``; only a line that starts with ``#`` is a comment, so ids such as ``#tag`` or
    ``name#1234`` are read whole) and GraphML are understood.

    Args:
        path: the file.
        key: the configuration key to name in error messages.
        first_line: one of ``FIRST_LINE``: ``"auto"`` detects a header, ``"header"`` always
            reads the first line as column names, ``"edge"`` always as a friendship (GraphML
            has no first line to read).

    Returns:
        The graph.

    Raises:
        ConfigError: when the file is missing, unreadable, empty or malformed.

    """
    if first_line not in FIRST_LINE:
        raise ValueError(f"first_line={first_line!r}: expected one of {FIRST_LINE}")
    file = check_network_file(path, key)
    if file.suffix.lower() in GRAPHML_SUFFIXES:
        import networkx as nx  # ~0.1 s to import: for GraphML only (not for --help)

        try:
            graph = from_networkx(nx.read_graphml(file), source=str(path))
        except Exception as error:  # networkx raises several parser errors
            raise ConfigError(f"{key}={str(path)!r} is not valid GraphML: {error}") from error
    else:
        table = _read_table(file, key, first_line)
        graph = _graph_from_pairs(
            table.iloc[:, 0].to_numpy(), table.iloc[:, 1].to_numpy(), str(path)
        )
    if graph.n < 2:  # a GraphML file of one node or none; an edge list of self-loops alone
        raise ConfigError(
            f"{key}={str(path)!r} has {graph.n} node(s): a network needs at least 2 consumers."
        )
    return graph


def load_edgelist_once(
    path: str | Path, key: str = "network.path", first_line: str = "auto"
) -> SocialGraph:
    """:func:`load_edgelist`, read once per process while the file stays the same.

    Each replicate builds its model, and so its network: a file was parsed once a replicate
    (0.56 s for ego-Facebook, about 110 s of a 200-replicate job) and its warnings (dropped
    self-loops) said as often. The graph is kept per file, its modification time and size, so
    an edited file is read again; its arrays are read-only, since every replicate shares them.

    Raises:
        ConfigError: as :func:`load_edgelist`.

    """
    file = check_network_file(path, key)
    stat = file.stat()
    where = (str(file.resolve()), stat.st_mtime_ns, stat.st_size)
    return _loaded(where, str(path), key, first_line)


@functools.lru_cache(maxsize=2)
def _loaded(where: tuple[str, int, int], path: str, key: str, first_line: str) -> SocialGraph:
    """The graph of the file at ``where`` (path, modification time, size), read-only."""
    graph = load_edgelist(path, key, first_line)
    for array in (graph.indptr, graph.indices, graph.community, graph.labels):
        if isinstance(array, np.ndarray):
            array.flags.writeable = False
    if isinstance(graph.labels, list):
        graph.labels = tuple(graph.labels)
    return graph


def check_network_file(path: str | Path, key: str = "network.path") -> Path:
    """The network file at ``path``, checked to be a regular file (its contents are not read).

    Raises:
        ConfigError: naming ``key``, when ``path`` is empty, missing or not a regular file.

    """
    file = Path(path).expanduser()
    if not str(path):
        raise ConfigError(f"{key} is empty: give the path of an edge-list, CSV or GraphML file.")
    if not file.exists():
        looked = "" if file.is_absolute() else f" (looked for {file.absolute()})"
        raise ConfigError(
            f"{key}={str(path)!r} does not exist{looked}: expected an edge-list, CSV or "
            "GraphML file."
        )
    if not file.is_file():
        raise ConfigError(f"{key}={str(path)!r} is not a regular file.")
    return file


def _read_table(file: Path, key: str, first_line: str) -> pd.DataFrame:
    is_csv = file.suffix.lower() == ".csv"
    try:
        # an edge list's "#" starts a comment anywhere (networkx's read_edgelist too); a CSV's
        # only at the start of a line, so "#" can be part of an id (a hashtag, "name#1234")
        source = _without_comment_lines(file) if is_csv else file
        table, some_longer = _parse(source, is_csv)
    except pd.errors.EmptyDataError:
        table, some_longer = pd.DataFrame(), False
    except (UnicodeDecodeError, pd.errors.ParserError) as error:
        reason = str(error).split(". Error could possibly")[0]  # drop pandas' hint about quotes
        raise ConfigError(f"{key}={str(file)!r} could not be parsed: {reason}") from error
    except OSError as error:
        raise ConfigError(f"{key}={str(file)!r} could not be read: {error.strerror}") from error
    if is_csv and len(table):  # "1, 2": the spaces around a field are not part of its id
        table = table.apply(lambda column: column.str.strip())
    if len(table) and (table[1].isna() | (table[1] == "")).all():  # no line has a second id
        separator = "commas in a .csv file" if is_csv else "spaces or tabs"
        raise ConfigError(
            f"{key}={str(file)!r} could not be parsed: it has one column (expected two node ids "
            f"a line, separated by {separator})"
        )
    table = _complete_lines(table, file)
    read = len(table)
    if is_csv:
        _warn_of_comments_in_ids(table, file)
    if len(table) == 0:
        raise ConfigError(
            f"{key}={str(file)!r} has no edges: expected lines of two node ids ('u v')."
        )
    if first_line == "header" or (first_line == "auto" and _is_header(table)):
        names = " ".join(table.iloc[0])
        # a detected header is expected in a CSV; in an edge list it is worth a word
        if first_line == "auto" and file.suffix.lower() != ".csv":
            warnings.warn(
                f"{file}: read the first line ({names!r}) as a header (set network.first_line="
                "edge if it is a friendship)",
                stacklevel=3,
            )
        elif first_line == "header" and _looks_numeric(table.iloc[0]):
            warnings.warn(
                f"{file}: dropped the first line ({names!r}) as a header, as first_line=header "
                "says, but it is numbers: a friendship?",
                stacklevel=3,
            )
        table = table.iloc[1:]
        if len(table) == 0:
            raise ConfigError(f"{key}={str(file)!r} has a header and no edges below it.")
    if some_longer:
        widths = _line_widths(source, is_csv)
        _refuse_what_is_mostly_not_edges(file, key, widths, len(table) < read)
        _warn_of_lines_of_other_lengths(file, widths, len(table) < read)
    return table


def _parse(source: Path | io.StringIO, is_csv: bool) -> tuple[pd.DataFrame, bool]:
    """The first two fields of every line, and whether a line had more than two."""
    longer = []

    def first_two(fields: list[str]) -> list[str]:  # a weight, a trailing comma, ...
        longer.append(True)
        return fields[:2]

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)  # a longer first line
        table = pd.read_csv(  # na_filter off: "NA", "null", "nan" are ids like any other
            source, sep="," if is_csv else r"\s+", comment=None if is_csv else "#",
            header=None, names=[0, 1], index_col=False, on_bad_lines=first_two,
            dtype=str, engine="python", na_filter=False,
        )  # fmt: skip
    parser_said = [w for w in caught if issubclass(w.category, pd.errors.ParserWarning)]
    for other in (w for w in caught if w not in parser_said):
        warnings.warn_explicit(other.message, other.category, other.filename, other.lineno)
    return table, bool(longer or parser_said)


def _warn_of_comments_in_ids(table: pd.DataFrame, file: Path) -> None:
    """Warn of CSV ids that look like an id and a comment (``bob # met at school``)."""
    ids = pd.concat([table[0], table[1]], ignore_index=True)
    commented = ids[ids.str.contains(r"\s#", regex=True)]
    if len(commented):
        warnings.warn(
            f"{file}: {len(commented)} ids hold ' #' (e.g. {commented.iloc[0]!r}): a CSV line "
            "has no comment after its ids, so that text is part of the id",
            stacklevel=4,
        )


class _Widths(NamedTuple):
    """How many lines have each number of fields (two or more), the first's, two longer ones."""

    counts: collections.Counter[int]
    first: int
    longer: tuple[str, ...]


def _line_widths(source: Path | io.StringIO, is_csv: bool) -> _Widths:
    """The lines' numbers of fields that hold anything (``1,2,`` has two), comments left out."""
    if is_csv:
        lines = source.getvalue().splitlines()  # comment lines already out
    else:
        with source.open(encoding="utf-8-sig", errors="replace") as file:
            lines = [line.split("#")[0] for line in file]
    counts, first, longer = collections.Counter(), 0, ()
    for line in lines:
        if not is_csv:
            fields = line.split()
        else:  # a quoted comma is part of an id, as pandas reads it
            fields = next(csv.reader([line]), []) if '"' in line else line.split(",")
        width = sum(1 for field in fields if field.strip())
        if width >= 2:
            counts[width] += 1
            first = first or width
            if width > 2 and len(longer) < 2:
                longer = (*longer, line.strip())
    return _Widths(counts, first, longer)


class _Longer(NamedTuple):
    """Lines of more than two ids among lines of other lengths: how many, of how many, which."""

    long: int
    lines: int
    kinds: str
    example: str


KINDS_NAMED_UP_TO = 4  # line lengths counted one by one; more read "from 3 to 43 fields"
ADJACENCY_HINT = (
    "If a line lists a person and several friends (an adjacency list), write one friendship a "
    "line instead, e.g. with networkx: nx.write_edgelist(nx.read_adjlist(path), out, data=False)"
)


def _lines_of_other_lengths(widths: _Widths, header: bool) -> _Longer | None:
    """The lines of more than two ids, where lines of other lengths sit among them.

    A file of lines ``u v w`` is a weighted edge list (None: read as friendships in silence).
    One whose lines differ is likely an adjacency list (a person and all their friends a
    line), or no network at all, of which only each line's first two ids would be read.
    """
    counts = collections.Counter(widths.counts)
    if header:  # column names, not a line of ids
        counts[widths.first] -= 1
    longer = {width: count for width, count in sorted(counts.items()) if width > 2 and count}
    if not longer or len(+counts) == 1:
        return None
    # the first line of more than two ids; a header of more than two names is not one
    example = widths.longer[-1] if header and widths.first > 2 else widths.longer[0]
    kinds = ", ".join(f"{count} with {width}" for width, count in longer.items())
    if len(longer) > KINDS_NAMED_UP_TO:
        kinds = f"from {min(longer)} to {max(longer)}"
    return _Longer(sum(longer.values()), counts.total(), kinds, example)


def _refuse_what_is_mostly_not_edges(file: Path, key: str, widths: _Widths, header: bool) -> None:
    """Refuse a file most of whose lines have more than two ids, of varying counts.

    Reading each line's first two ids would keep a friendship of each line and lose the rest
    of most of them: a README given as ``network.path`` ran as 201 word-"consumers" until
    4 Dec 2026, with only the warning of :func:`_warn_of_lines_of_other_lengths`.
    """
    found = _lines_of_other_lengths(widths, header)
    if found is None or 2 * found.long <= found.lines:
        return
    raise ConfigError(
        f"{key}={str(file)!r} is not an edge list: {found.long} of "
        f"{counted(found.lines, 'line')} have more than two fields, and not as many on every "
        f"line ({found.kinds} fields; e.g. {found.example!r}). Expected two node ids a line "
        f"('u v', or 'u v weight' on every line). {ADJACENCY_HINT}"
    )


def _warn_of_lines_of_other_lengths(file: Path, widths: _Widths, header: bool) -> None:
    """Warn when some lines of more than two ids sit among lines of other lengths.

    Only each such line's first friend is read: until 3 Dec 2026 the others were lost without
    a word. Where they are most of the file, :func:`_refuse_what_is_mostly_not_edges` refuses
    it before this warns.
    """
    found = _lines_of_other_lengths(widths, header)
    if found is None:
        return
    warnings.warn(
        f"{file}: {found.long} of {counted(found.lines, 'line')} "
        f"{'has' if found.long == 1 else 'have'} more than two ids ({found.kinds} fields; e.g. "
        f"{found.example!r}): each line's first two ids were read as one friendship and the "
        f"rest ignored. {ADJACENCY_HINT}",
        stacklevel=4,
    )


def _without_comment_lines(file: Path) -> io.StringIO:
    """The file's text without the lines that start with ``#`` (leading spaces allowed)."""
    with file.open(encoding="utf-8-sig", newline="") as lines:
        return io.StringIO("".join(line for line in lines if not line.lstrip().startswith("#")))


HEADER_NAMES = {
    ("source", "target"),
    ("from", "to"),
    ("src", "dst"),
    ("u", "v"),
    ("node1", "node2"),
    ("node_1", "node_2"),
    ("id1", "id2"),
    ("id_1", "id_2"),
    ("user1", "user2"),
    ("user_1", "user_2"),
}
"""First lines read as column names even when the ids below them are text too."""


def _is_header(table: pd.DataFrame) -> bool:
    """Whether the first line names the columns.

    It has no number in it, and numbers follow it or it is a known pair of column names
    (``source,target``: the ids below may be text). A line with a number in it is a
    friendship (``guest,2``), never dropped as a header.
    """
    first = table.iloc[0]
    if pd.to_numeric(first, errors="coerce").notna().any():
        return False
    named = tuple(str(name).strip().lower() for name in first) in HEADER_NAMES
    return named or _looks_numeric(table.iloc[1:2].squeeze())


def _complete_lines(table: pd.DataFrame, file: Path) -> pd.DataFrame:
    """The first two columns of the lines that have both; a warning counts the others."""
    if table.shape[1] < 2:
        return table.iloc[:0]
    pairs = table.iloc[:, :2]
    complete = (pairs.notna() & (pairs != "")).all(axis=1)
    if not complete.all():
        warnings.warn(
            f"{file}: dropped {counted(int((~complete).sum()), 'line')} with fewer than two ids",
            stacklevel=4,
        )
    return pairs[complete]


def _looks_numeric(row: pd.Series) -> bool:
    return bool(pd.to_numeric(row, errors="coerce").notna().all()) if len(row) else False


def _graph_from_pairs(u: np.ndarray, v: np.ndarray, source: str) -> SocialGraph:
    ids = np.concatenate([u, v])
    integers = _as_integers(ids)
    labels, codes = np.unique(ids if integers is None else integers, return_inverse=True)
    half = len(u)
    graph = from_edges(len(labels), codes[:half], codes[half:], warn_source=source)
    graph.labels = labels
    return graph


def _as_integers(ids: np.ndarray) -> np.ndarray | None:
    """The ids as int64 when all are whole numbers that int64 holds exactly, else None.

    Only integers written plainly (``12``, ``-3``) count: ``012``, ``12.0`` or ``1.2e1`` stay
    text, or two people written differently would merge. Larger numbers stay text too: cast
    to int64 or float they could collide.
    """
    text = pd.Series(ids)
    written = not pd.api.types.is_numeric_dtype(text)  # text, as read from a file
    if written and not text.astype(str).str.fullmatch(PLAIN_INTEGER).all():
        return None
    numeric = pd.to_numeric(text, errors="coerce")
    if numeric.isna().any():
        return None
    if numeric.dtype.kind == "i":
        return numeric.to_numpy(dtype=np.int64)
    exact = numeric.dtype.kind == "f" and (numeric % 1 == 0).all()
    if exact and numeric.abs().max() <= 2**53:  # floats hold every integer up to 2**53
        return numeric.to_numpy(dtype=np.int64)
    return None


def from_networkx(graph: nx.Graph, source: str = "networkx graph") -> SocialGraph:
    """Convert any ``networkx`` graph (directions and weights ignored) to a SocialGraph.

    Nodes are numbered in the graph's node order; the graph's own nodes are kept as
    ``labels`` (a consumer agent's ``node``). A node attribute ``community`` is kept when every
    node has one; when only some do, a warning says so and none is kept.
    """
    import networkx as nx  # loaded already by whoever made ``graph``; not at --help

    nodes = list(graph.nodes)
    position = {node: i for i, node in enumerate(nodes)}
    # a directed pair both ways is one friendship, not a duplicate to warn of
    friendships = graph.to_undirected(as_view=True) if graph.is_directed() else graph
    # edges(), not edges: a MultiGraph iterates (u, v, key); its parallel edges are duplicates
    pairs = np.array([(position[a], position[b]) for a, b in friendships.edges()], dtype=np.int64)
    pairs = pairs.reshape(-1, 2)
    community = None
    labels = nx.get_node_attributes(graph, "community")
    if len(labels) == len(nodes) and nodes:
        community = _community_codes([labels[node] for node in nodes], source)
    elif labels:  # partly labelled: no community to put the others in
        warnings.warn(
            f"{source}: {len(nodes) - len(labels)} of {len(nodes)} nodes have no 'community' "
            "attribute, so communities are ignored (seeding.chosen_by=community or clustered "
            "will be refused): give every node one",
            stacklevel=2,
        )
    social = from_edges(len(nodes), pairs[:, 0], pairs[:, 1], community, warn_source=source)
    social.labels = None if nodes == list(range(len(nodes))) else nodes
    return social


def _community_codes(values: list, source: str) -> np.ndarray:
    """Number the distinct ``community`` values 0, 1, ... in sorted order.

    Values of types that do not sort together (``None`` among numbers, ``1`` and ``"a"``) are
    numbered in order of first appearance; ``1`` and ``"1"`` stay two communities.

    Raises:
        ConfigError: when a value cannot be told apart from another (an unhashable list).

    """
    try:
        distinct = list(dict.fromkeys(values))
    except TypeError:
        odd = next(value for value in values if not isinstance(value, Hashable))
        raise ConfigError(
            f"{source}: a node's 'community' is {odd!r} (a {type(odd).__name__}): expected a "
            "number or a name for each node"
        ) from None
    try:
        distinct = sorted(distinct)
    except TypeError:  # mixed types: the order of first appearance is just as good a label
        pass
    code = {value: i for i, value in enumerate(distinct)}
    return np.array([code[value] for value in values], dtype=np.int64)
