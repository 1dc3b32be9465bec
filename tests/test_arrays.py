"""The array helpers of the hot paths (sim/arrays.py) against plain-Python references.

They were covered only through the network, scheme and model tests (a mutation review of the
model core, 2 Dec 2026); here each is checked directly on generated arrays.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.arrays import (
    GrowingIds,
    Scratch,
    expand_rows,
    first_occurrences,
    occurrence_rank,
    unique_sorted,
)

N = 12
ids = st.lists(st.integers(0, N - 1), max_size=40).map(lambda v: np.array(v, dtype=np.int64))
quick = settings(max_examples=200, deadline=None)


@quick
@given(ids)
def test_unique_sorted_is_the_sorted_set(keys):
    assert unique_sorted(keys).tolist() == sorted(set(keys.tolist()))


@quick
@given(ids)
def test_first_occurrences_mark_each_value_once_where_it_first_appears(keys):
    seen: set[int] = set()
    expected = [not (key in seen or seen.add(key)) for key in keys.tolist()]
    assert first_occurrences(keys).tolist() == expected


@quick
@given(ids)
def test_occurrence_rank_counts_the_equal_values_before_each(keys):
    values = keys.tolist()
    expected = [values[:i].count(value) for i, value in enumerate(values)]
    assert occurrence_rank(keys).tolist() == expected


@quick
@given(st.lists(st.lists(st.integers(0, 99), max_size=5), min_size=1, max_size=8), st.data())
def test_expand_rows_lists_each_rows_entries_in_the_order_asked(table, data):
    indptr = np.cumsum([0] + [len(row) for row in table])
    indices = np.array([entry for row in table for entry in row], dtype=np.int32)
    rows = np.array(data.draw(st.lists(st.integers(0, len(table) - 1), max_size=10)), dtype=int)
    owner, entry = expand_rows(indptr, indices, rows)
    assert owner.tolist() == [row for row in rows.tolist() for _ in table[row]]
    assert entry.tolist() == [value for row in rows.tolist() for value in table[row]]
    assert entry.dtype == indices.dtype


@quick
@given(st.lists(ids, max_size=6))
def test_growing_ids_hold_what_was_appended_and_a_replacement_is_a_copy(batches):
    grown = GrowingIds()
    for batch in batches:
        grown.extend(batch)
    assert grown.view().tolist() == [i for batch in batches for i in batch.tolist()]
    assert len(grown) == sum(len(batch) for batch in batches)
    given_ids = np.arange(3, dtype=np.int64)
    grown.replace(given_ids)
    given_ids[0] = 99  # the caller's array, changed later, is not the store's
    assert grown.view().tolist() == [0, 1, 2]
    grown.extend(np.array([2**40]))  # ids beyond 32 bits survive the growth
    assert grown.view().tolist() == [0, 1, 2, 2**40]
    assert not grown.view().flags.writeable


@quick
@given(ids)
def test_scratch_counts_and_tallies_distinct_ids_and_clears_its_flags(keys):
    scratch = Scratch(N)
    assert scratch.count_distinct(keys) == len(set(keys.tolist()))
    values, counts = scratch.tally(keys)
    assert dict(zip(values.tolist(), counts.tolist(), strict=True)) == Counter(keys.tolist())
    flags = scratch.flags(keys)
    assert np.flatnonzero(flags).tolist() == sorted(set(keys.tolist()))
    scratch.clear(keys)
    assert not scratch.flags(np.zeros(0, dtype=np.int64)).any()  # reusable: nothing left set
