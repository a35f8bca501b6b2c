"""Figures leaving the network: no published table lets anyone recover a hidden count.

The attacker is modelled here, apart from the module. It sees every published value
and marker, knows every relation, that "<5" means 1 to 4 and "x" at least 1, and
that counts are whole numbers, never negative. It is granted a little more than the
legend says: that an "x" holding 5 or more does. A hidden cell is revealed when every
table consistent with that knowledge gives it the same value. The checker looks for a
second table by exhaustive bounded search (bounds propagated through the relations,
then bisection of the cells left open), so a table it finds is a true witness, and
when it finds none there is none within its bounds.
"""

import random
from collections.abc import Mapping, Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.suppression import (
    SMALL,
    WITHHELD,
    Relation,
    Shown,
    grid_relations,
    suppress,
)

Key = tuple[str, str]
Box = dict[Key, tuple[int, int]]
TOTAL = "total"


# The attacker ------------------------------------------------------------------------


def attacker_box(values: Mapping[Key, int], shown: Mapping[Key, Shown]) -> Box:
    """Each cell's range as the attacker knows it, bounded above for the search."""
    # A cap only narrows what the search may try: a second table found under it is
    # still a true witness. Twice the largest value leaves room for every move.
    ceiling = 2 * max(values.values(), default=0) + 10
    box: Box = {}
    for key, mark in shown.items():
        if mark == SMALL:
            box[key] = (1, 4)
        elif mark == WITHHELD:
            box[key] = (5 if values[key] >= 5 else 1, ceiling)
        else:
            assert isinstance(mark, int)
            box[key] = (mark, mark)
    return box


def narrowed(box: Box, relations: Sequence[Relation[Key]]) -> Box | None:
    """The box tightened by every relation until nothing changes; None if empty."""
    bounds = {key: list(pair) for key, pair in box.items()}
    changed = True
    while changed:
        changed = False
        for relation in relations:
            low = sum(bounds[part][0] for part in relation.parts)
            high = sum(bounds[part][1] for part in relation.parts)
            total = bounds[relation.total]
            tightened = [
                (relation.total, low, high),
                *(
                    (
                        part,
                        total[0] - (high - bounds[part][1]),
                        total[1] - (low - bounds[part][0]),
                    )
                    for part in relation.parts
                ),
            ]
            for key, least, most in tightened:
                bound = bounds[key]
                if least > bound[0]:
                    bound[0] = least
                    changed = True
                if most < bound[1]:
                    bound[1] = most
                    changed = True
                if bound[0] > bound[1]:
                    return None
    return {key: (low, high) for key, (low, high) in bounds.items()}


def consistent_table(box: Box, relations: Sequence[Relation[Key]]) -> dict[Key, int] | None:
    """A table within the box that satisfies every relation, or None."""
    tight = narrowed(box, relations)
    if tight is None:
        return None
    open_cells = [key for key, (low, high) in tight.items() if low < high]
    if not open_cells:
        return {key: low for key, (low, _high) in tight.items()}
    key = min(open_cells, key=lambda cell: tight[cell][1] - tight[cell][0])
    low, high = tight[key]
    middle = (low + high) // 2
    for half in ((low, middle), (middle + 1, high)):
        found = consistent_table({**tight, key: half}, relations)
        if found is not None:
            return found
    return None


def revealed_cells(
    values: Mapping[Key, int], shown: Mapping[Key, Shown], relations: Sequence[Relation[Key]]
) -> list[Key]:
    """The hidden cells whose value every table consistent with `shown` shares."""
    box = attacker_box(values, shown)
    truth = {key: (value, value) for key, value in values.items()}
    assert consistent_table({**box, **truth}, relations) == dict(values)
    revealed = []
    for key, mark in shown.items():
        if isinstance(mark, int):
            continue
        low, high = box[key]
        others = [(low, values[key] - 1), (values[key] + 1, high)]
        if not any(
            least <= most and consistent_table({**box, key: (least, most)}, relations)
            for least, most in others
        ):
            revealed.append(key)
    return revealed


def assert_safe(
    values: Mapping[Key, int],
    shown: Mapping[Key, Shown],
    relations: Sequence[Relation[Key]],
    counts: set[Key],
) -> None:
    assert shown.keys() == values.keys()
    for key, mark in shown.items():
        if isinstance(mark, int):
            assert mark == values[key]
            assert key not in counts or not 1 <= mark <= 4
        else:
            assert key in counts
            assert values[key] >= 1
            assert mark == WITHHELD or values[key] <= 4
    assert revealed_cells(values, shown, relations) == []


# Tables ------------------------------------------------------------------------------


def grid(
    rows: Mapping[str, Sequence[int]],
    columns: Sequence[str],
    breakdowns: Mapping[str, Sequence[str]] | None = None,
) -> tuple[dict[Key, int], list[Relation[Key]]]:
    """A table from its convention rows, one value per column that is not a parent,
    in the order of `columns`; parents and the total row are summed."""
    breakdowns = breakdowns or {}
    leaves = [column for column in columns if column not in breakdowns]
    values: dict[Key, int] = {}
    for row, figures in rows.items():
        assert len(figures) == len(leaves)
        values.update(
            ((row, column), figure) for column, figure in zip(leaves, figures, strict=True)
        )
    for row in rows:
        # A parent may be a part of an earlier parent: sum the later ones first.
        for parent, parts in reversed(breakdowns.items()):
            values[row, parent] = sum(values[row, part] for part in parts)
    for column in columns:
        values[TOTAL, column] = sum(values[row, column] for row in rows)
    relations = grid_relations(rows=list(rows), total=TOTAL, columns=columns, breakdowns=breakdowns)
    return values, relations


def protect(
    values: dict[Key, int], relations: list[Relation[Key]], counts: set[Key] | None = None
) -> dict[Key, Shown]:
    counts = set(values) if counts is None else counts
    shown = suppress(values, relations=relations, counts=counts)
    assert_safe(values, shown, relations, counts)
    return shown


def hidden(shown: Mapping[Key, Shown]) -> set[Key]:
    return {key for key, mark in shown.items() if not isinstance(mark, int)}


# The checker sees what a careless publication gives away -----------------------------


def test_the_checker_recovers_a_small_count_from_its_exact_total():
    values, relations = grid({"a": [3], "b": [12], "c": [20]}, ["households"])
    shown: dict[Key, Shown] = {**values, ("a", "households"): SMALL}

    assert revealed_cells(values, shown, relations) == [("a", "households")]


def test_the_checker_recovers_two_small_counts_summing_to_two():
    values, relations = grid({"a": [1], "b": [1], "c": [10]}, ["households"])
    shown: dict[Key, Shown] = {**values, ("a", "households"): SMALL, ("b", "households"): SMALL}

    assert revealed_cells(values, shown, relations) == [("a", "households"), ("b", "households")]


def test_the_checker_pins_a_small_count_against_a_withheld_five():
    values, relations = grid({"a": [1], "b": [5]}, ["households"])
    shown: dict[Key, Shown] = {**values, ("a", "households"): SMALL, ("b", "households"): WITHHELD}

    assert revealed_cells(values, shown, relations) == [("a", "households"), ("b", "households")]


def bridged_table() -> tuple[dict[Key, int], list[Relation[Key]]]:
    return grid(
        {"r1": [2, 3, 7], "r2": [6, 8, 9], "r3": [10, 11, 4]},
        ["persons", "b1", "b2", "b3"],
        {"persons": ["b1", "b2", "b3"]},
    )


def test_the_checker_recovers_a_bridge_between_two_cycles_of_hidden_cells():
    values, relations = bridged_table()
    # Every relation has two hidden cells or more, yet (r1, persons) joins the cycle
    # r1-b1-r2-b2 to the cycle r3-persons-total-b3 and nothing else: it is determined.
    withheld = [("r2", "b1"), ("r2", "b2"), ("r3", "persons"), (TOTAL, "persons")]
    withheld += [(TOTAL, "b3"), ("r1", "persons")]
    shown: dict[Key, Shown] = {**values}
    shown.update({key: SMALL for key in [("r1", "b1"), ("r1", "b2"), ("r3", "b3")]})
    shown.update({key: WITHHELD for key in withheld})

    assert revealed_cells(values, shown, relations) == [("r1", "persons")]


# The module ---------------------------------------------------------------------------


def test_a_small_count_in_a_column_with_an_exact_total_gets_a_partner():
    values, relations = grid({"a": [3, 40], "b": [12, 50], "c": [20, 60]}, ["households", "sales"])

    shown = protect(values, relations)

    assert shown["a", "households"] == SMALL
    assert hidden(shown) == {("a", "households"), ("b", "households")}
    assert shown["b", "households"] == WITHHELD


def test_two_small_counts_summing_to_two_get_a_third_cell():
    values, relations = grid({"a": [1], "b": [1], "c": [10], "d": [30]}, ["households"])

    shown = protect(values, relations)

    assert shown["a", "households"] == shown["b", "households"] == SMALL
    assert shown["c", "households"] == WITHHELD
    assert shown["d", "households"] == 30
    assert shown[TOTAL, "households"] == 42


def test_a_withheld_cell_never_pins_a_small_count_at_its_bound():
    values, relations = grid({"a": [1], "b": [5]}, ["households"])

    shown = protect(values, relations)

    # Hiding the 5 would pin the 1: a total of 6 with an "x" of 5 or more leaves 1.
    assert shown == {
        ("a", "households"): SMALL,
        ("b", "households"): 5,
        (TOTAL, "households"): WITHHELD,
    }


def test_a_two_way_table_leaves_no_bridge():
    values, relations = bridged_table()

    shown = protect(values, relations)

    assert {("r1", "b1"), ("r1", "b2"), ("r3", "b3")} <= hidden(shown)


def test_a_table_of_zeros_is_published_whole():
    values, relations = grid(
        {"a": [0, 0, 0], "b": [0, 0, 0]}, ["p", "b1", "b2", "meals"], {"p": ["b1", "b2"]}
    )

    assert protect(values, relations) == values


def test_a_table_without_counts_under_five_is_published_whole():
    values, relations = grid(
        {"a": [5, 9, 0], "b": [12, 0, 7]}, ["p", "b1", "b2", "meals"], {"p": ["b1", "b2"]}
    )

    assert protect(values, relations) == values


def test_four_ones_under_a_total_of_four_withhold_the_total():
    values, relations = grid({"a": [1], "b": [1], "c": [1], "d": [1]}, ["households"])

    shown = protect(values, relations)

    # "<5" everywhere would give every row away: four counts of 1 or more make 4.
    assert [shown[row, "households"] for row in "abcd"] == [SMALL] * 4
    assert shown[TOTAL, "households"] == WITHHELD


def test_a_block_of_ones_with_its_totals_is_protected():
    values, relations = grid(
        {"a": [1, 1], "b": [1, 1]}, ["persons", "b1", "b2"], {"persons": ["b1", "b2"]}
    )

    shown = protect(values, relations)

    assert hidden(shown) == set(values)


def test_amounts_are_published_even_when_small():
    values, relations = grid({"a": [3, 2], "b": [30, 1]}, ["sales", "amount_cents"])
    counts = {key for key in values if key[1] == "sales"}

    shown = protect(values, relations, counts)

    assert shown["a", "amount_cents"] == 2
    assert shown["b", "amount_cents"] == 1
    assert shown[TOTAL, "amount_cents"] == 3


def test_a_cell_in_three_relations_gets_its_whole_block_hidden():
    # Children are both a breakdown of persons and the parent of two age bands.
    values, relations = grid(
        {"a": [20, 1, 1], "b": [30, 8, 9]},
        ["persons", "adults", "children", "babies", "kids"],
        {"persons": ["adults", "children"], "children": ["babies", "kids"]},
    )

    shown = protect(values, relations)

    assert hidden(shown) == set(values)


def test_relations_that_do_not_hold_are_refused():
    values, relations = grid({"a": [3], "b": [12]}, ["households"])
    values[TOTAL, "households"] += 1

    with pytest.raises(ValueError, match="does not hold"):
        suppress(values, relations=relations, counts=set(values))


def test_a_relation_mixing_counts_and_amounts_is_refused():
    values, relations = grid({"a": [3], "b": [12]}, ["households"])

    with pytest.raises(ValueError, match="mixes counts and amounts"):
        suppress(values, relations=relations, counts={("a", "households")})


def test_a_large_export_publishes_no_count_under_five():
    generator = random.Random(14)  # noqa: S311 - test data, not secrets
    rows = {
        f"c{n}": [generator.choice([0, 1, 2, 3, 5, 8, 13, 40, 200]) for _ in range(27)]
        for n in range(50)
    }
    columns = ["persons", *(f"k{n}" for n in range(27)), "refused"]
    breakdowns = {"persons": ["k0", "k1", "k2", "k3", "k4"], "refused": ["k5", "k6", "k7"]}
    values, relations = grid(rows, columns, breakdowns)

    shown = suppress(values, relations=relations, counts=set(values))

    for key, mark in shown.items():
        assert mark == values[key] if isinstance(mark, int) else values[key] >= 1
        assert not isinstance(mark, int) or not 1 <= mark <= 4


# Any small table ----------------------------------------------------------------------


# Mostly small counts, so that suppressions happen; a table of 0 to 2 now and then,
# where "<5" alone is often recoverable.
def counts_up_to(largest: int) -> st.SearchStrategy[int]:
    return st.one_of(st.just(0), st.integers(0, min(largest, 8)), st.integers(0, largest))


@st.composite
def tables(draw: st.DrawFn) -> tuple[dict[Key, int], list[Relation[Key]], set[Key]]:
    rows = [f"c{n}" for n in range(draw(st.integers(2, 5)))]
    plain = [f"k{n}" for n in range(draw(st.integers(2, 4)))]
    parts = [f"b{n}" for n in range(draw(st.sampled_from([0, 2, 3])))]
    breakdowns = {"parent": parts} if parts else {}
    with_amount = draw(st.booleans())
    drawn = counts_up_to(draw(st.sampled_from([2, 8, 40, 40])))
    figures = {row: [draw(drawn) for _ in plain + parts] for row in rows}
    columns = [*plain, *breakdowns, *parts]
    values, relations = grid(figures, columns, breakdowns)
    counts = set(values)
    if with_amount:
        for row in rows:
            values[row, "cents"] = draw(st.integers(0, 10_000))
        values[TOTAL, "cents"] = sum(values[row, "cents"] for row in rows)
        relations.append(Relation((TOTAL, "cents"), tuple((row, "cents") for row in rows)))
    return values, relations, counts


@settings(
    max_examples=300,
    deadline=None,
    # The autouse clean-slate fixture is harmless to share between examples.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(tables())
def test_no_export_reveals_a_hidden_count(table):
    values, relations, counts = table

    shown = suppress(values, relations=relations, counts=counts)

    assert_safe(values, shown, relations, counts)
