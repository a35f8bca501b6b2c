"""Which counts of a table are hidden when figures leave the network.

The coordinator's own screen shows exact figures. Exports to partners and funders show
a count of 1 to 4 as "<5" (primary suppression) and hide further cells as "x"
(secondary suppression), so that no "<5" can be worked out from the totals, the
breakdowns and the other rows. A 0 is always published: it identifies nobody.

The attacker we defend against sees every published figure and marker, knows every
relation of the table (a total row is the sum of the rows, a parent column the sum of
its breakdown), knows that "<5" means 1 to 4, that "x" means 1 or more, and that
counts are whole numbers, never negative. A hidden cell is protected when two tables
consistent with all of that give it different values.

What a reader may infer from "x": the cell holds 1 or more. It usually holds 5 or
more and was hidden only to protect a "<5"; it holds 1 to 4 only where "<5" alone
would be recoverable whatever else is hidden (four rows of 1 under a total of 4: the
total is shown "x").

How a table is protected:
1. every count from 1 to 4 is hidden;
2. every hidden cell needs a *move*: a change of hidden cells by 1 up or down that
   keeps every relation true and every cell within what its marker says. A move is a
   cycle in the graph whose nodes are the relations and whose edges are the cells (a
   cell in a single relation has a free end: nothing constrains it there). The cheapest
   cycle through the cell is found with Dijkstra: a hidden cell costs nothing, a
   published count costs its value (it becomes "x", so small cells go first) and
   widening a "<5" to "x" costs more than any number of those;
3. a cell that search cannot protect (one in three or more relations, say) has its
   whole block of related cells hidden: doubling every count of the block is a move.
Every move is checked against every relation and marker before it counts, and again
once the table is final; x + move is then a second table the attacker cannot tell
from the true one. The moves keep an "x" that holds 5 or more at 5 or more, so the
proof also holds against an attacker who guesses that. Each hidden cell costs at most
one Dijkstra over the relations: polynomial, fast for 50 rows by 30 columns.
"""

import heapq
from collections.abc import Collection, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Generic, Literal, TypeAlias, TypeVar

K = TypeVar("K", bound=Hashable)
R = TypeVar("R", bound=Hashable)
C = TypeVar("C", bound=Hashable)

SMALL: Final = "<5"
WITHHELD: Final = "x"
SMALL_MAX: Final = 4

Shown: TypeAlias = int | Literal["<5", "x"]

# A cell sitting in one relation only has this at its other end: nothing to balance.
_FREE: Final = -1

# (widened "<5", value newly hidden, cells moved): compared in that order.
_Cost: TypeAlias = tuple[int, int, int]
# A node of the search and the sign of what the last step put into it.
_State: TypeAlias = tuple[int, int]


@dataclass(frozen=True)
class Relation(Generic[K]):
    """`total` is the sum of `parts`: a total row and its rows, a parent and its breakdown."""

    total: K
    parts: tuple[K, ...]


def grid_relations(
    *,
    rows: Sequence[R],
    total: R,
    columns: Sequence[C],
    breakdowns: Mapping[C, Sequence[C]] | None = None,
) -> list[Relation[tuple[R, C]]]:
    """The relations of a table keyed by (row, column), with a total row.

    Every column's total is the sum of `rows`; in every row, the total row included,
    each parent column of `breakdowns` is the sum of its breakdown columns.
    """
    relations = [
        Relation((total, column), tuple((row, column) for row in rows)) for column in columns
    ]
    for parent, parts in (breakdowns or {}).items():
        for row in (*rows, total):
            relations.append(Relation((row, parent), tuple((row, part) for part in parts)))
    return relations


def suppress(
    values: Mapping[K, int], *, relations: Iterable[Relation[K]], counts: Collection[K]
) -> dict[K, Shown]:
    """Each cell as it may leave the network: its value, "<5" or "x".

    `values` holds the true figures, `counts` the cells subject to suppression (amounts
    in cents are not); a relation holds counts only or amounts only. Raises ValueError
    when a relation names an unknown cell or a cell twice, mixes counts and amounts, or
    does not hold on `values`, or when a count is negative.
    """
    protection = _Protection(values, list(relations), frozenset(counts))
    protection.protect()
    return protection.shown()


class _Protection(Generic[K]):
    """One table's cells by position, what is hidden so far and each hidden cell's move."""

    def __init__(
        self, values: Mapping[K, int], relations: list[Relation[K]], counts: frozenset[K]
    ) -> None:
        self.keys = list(values)
        index = {key: n for n, key in enumerate(self.keys)}
        self.value = [values[key] for key in self.keys]
        if unknown := counts - index.keys():
            raise ValueError(f"counts name unknown cells: {sorted(map(repr, unknown))}")
        self.count = [key in counts for key in self.keys]
        if negative := [key for key in counts if values[key] < 0]:
            raise ValueError(f"negative counts: {negative}")
        # Each relation as (cell, coefficient) pairs summing to zero: +1 total, -1 parts.
        self.relations: list[list[tuple[int, int]]] = []
        self.incidence: list[list[tuple[int, int]]] = [[] for _ in self.keys]
        for relation in relations:
            self._add_relation(relation, index, counts)
        self.dangling = [cell for cell, ends in enumerate(self.incidence) if len(ends) == 1]
        self.hidden = {
            cell
            for cell, value in enumerate(self.value)
            if self.count[cell] and 1 <= value <= SMALL_MAX
        }
        self.widened: set[int] = set()  # a count of 1 to 4 shown "x", not "<5"
        self.moves: dict[int, dict[int, int]] = {}

    def _add_relation(
        self, relation: Relation[K], index: Mapping[K, int], counts: frozenset[K]
    ) -> None:
        members = [relation.total, *relation.parts]
        if unknown := [key for key in members if key not in index]:
            raise ValueError(f"{relation} names unknown cells: {unknown}")
        if len(set(members)) != len(members):
            raise ValueError(f"{relation} names a cell twice")
        cells = [index[key] for key in members]
        if self.value[cells[0]] != sum(self.value[cell] for cell in cells[1:]):
            raise ValueError(f"{relation} does not hold on the values")
        kinds = {key in counts for key in members}
        if kinds == {False}:
            return  # amounts are always published: their relations tell nothing hidden
        if kinds == {True, False}:
            raise ValueError(f"{relation} mixes counts and amounts")
        number = len(self.relations)
        terms = [(cells[0], 1)] + [(cell, -1) for cell in cells[1:]]
        self.relations.append(terms)
        for cell, coefficient in terms:
            self.incidence[cell].append((number, coefficient))

    def protect(self) -> None:
        for cell in sorted(self.hidden):
            if cell in self.moves:
                continue
            options = [
                found for sign in (1, -1) if (found := self._cheapest_move(cell, sign)) is not None
            ]
            for _cost, move in sorted(options, key=lambda option: option[0]):
                if self._take(move):
                    break
            else:
                self._hide_block(cell)
        self._check()

    def shown(self) -> dict[K, Shown]:
        result: dict[K, Shown] = {}
        for cell, key in enumerate(self.keys):
            value = self.value[cell]
            if cell not in self.hidden:
                result[key] = value
            elif value <= SMALL_MAX and cell not in self.widened:
                result[key] = SMALL
            else:
                result[key] = WITHHELD
        return result

    def _fits(self, cell: int, value: int, widened: Collection[int]) -> bool:
        """Whether a hidden cell may hold `value` for the attacker, given its marker."""
        if self.value[cell] > SMALL_MAX:
            return value > SMALL_MAX
        if cell in widened:
            return value >= 1
        return 1 <= value <= SMALL_MAX

    def _cost(self, cell: int, delta: int) -> _Cost | None:
        """What moving `cell` by `delta` costs, or None when it may not move so."""
        value = self.value[cell]
        moved = value + delta
        if cell in self.hidden:
            if self._fits(cell, moved, self.widened):
                return (0, 0, 1)
            if value <= SMALL_MAX and moved >= 1:
                return (1, 0, 1)
            return None
        if self.count[cell] and value > SMALL_MAX and moved > SMALL_MAX:
            return (0, value, 1)
        return None

    def _steps(self, state: _State, excluded: int) -> Iterator[tuple[_State, int, int, _Cost]]:
        """The next states of a search: (state, cell moved, its delta, cost)."""
        node, carried = state
        if node == _FREE:
            for cell in self.dangling:
                if cell == excluded:
                    continue
                ((relation, coefficient),) = self.incidence[cell]
                for delta in (1, -1):
                    if (cost := self._cost(cell, delta)) is not None:
                        yield (relation, coefficient * delta), cell, delta, cost
            return
        for cell, coefficient in self.relations[node]:
            ends = self.incidence[cell]
            if cell == excluded or len(ends) > 2:
                continue
            # The step must cancel what the previous one put into this relation.
            delta = -carried * coefficient
            if (cost := self._cost(cell, delta)) is None:
                continue
            if len(ends) == 1:
                yield (_FREE, 0), cell, delta, cost
            else:
                other, other_coefficient = ends[0] if ends[0][0] != node else ends[1]
                yield (other, other_coefficient * delta), cell, delta, cost

    def _cheapest_move(self, cell: int, sign: int) -> tuple[_Cost, dict[int, int]] | None:
        first = self._cost(cell, sign)
        ends = self.incidence[cell]
        if first is None or len(ends) > 2:
            return None
        if not ends:
            return first, {cell: sign}
        start, start_coefficient = ends[0]
        if len(ends) == 2:
            goal_node, goal_coefficient = ends[1]
            goal: _State = (goal_node, -goal_coefficient * sign)
        else:
            goal = (_FREE, 0)
        source: _State = (start, start_coefficient * sign)
        best: dict[_State, _Cost] = {source: first}
        back: dict[_State, tuple[_State, int, int]] = {}
        queue: list[tuple[_Cost, _State]] = [(first, source)]
        while queue:
            cost, state = heapq.heappop(queue)
            if cost > best[state]:
                continue
            if state == goal:
                move = {cell: sign}
                while state != source:
                    state, moved, delta = back[state]
                    move[moved] = move.get(moved, 0) + delta
                return cost, move
            for following, moved, delta, step in self._steps(state, cell):
                total = (cost[0] + step[0], cost[1] + step[1], cost[2] + step[2])
                if following not in best or total < best[following]:
                    best[following] = total
                    back[following] = (state, moved, delta)
                    heapq.heappush(queue, (total, following))
        return None

    def _is_move(
        self, move: Mapping[int, int], hidden: Collection[int], widened: Collection[int]
    ) -> bool:
        """Whether true values + `move` is a table the attacker must consider."""
        for cell, delta in move.items():
            if delta and (
                cell not in hidden or not self._fits(cell, self.value[cell] + delta, widened)
            ):
                return False
        touched = {relation for cell in move for relation, _ in self.incidence[cell]}
        return all(
            sum(coefficient * move.get(cell, 0) for cell, coefficient in self.relations[relation])
            == 0
            for relation in touched
        )

    def _take(self, move: dict[int, int]) -> bool:
        """Hide and widen what `move` needs, and record it, if it is sound then."""
        hidden = set(self.hidden)
        widened = set(self.widened)
        for cell, delta in move.items():
            if not delta:
                continue
            hidden.add(cell)
            moved = self.value[cell] + delta
            if self.value[cell] <= SMALL_MAX and not 1 <= moved <= SMALL_MAX:
                widened.add(cell)
        if not self._is_move(move, hidden, widened):
            return False
        self.hidden, self.widened = hidden, widened
        for cell, delta in move.items():
            if delta:
                self.moves[cell] = move
        return True

    def _hide_block(self, cell: int) -> None:
        """Hide every count linked to `cell` by relations; doubling them all is a move."""
        block = {cell}
        pending = [cell]
        while pending:
            for relation, _ in self.incidence[pending.pop()]:
                for member, _ in self.relations[relation]:
                    if member not in block:
                        block.add(member)
                        pending.append(member)
        move = {member: self.value[member] for member in block if self.value[member]}
        for member, value in move.items():
            self.hidden.add(member)
            if value <= SMALL_MAX < 2 * value:
                self.widened.add(member)
        for member in move:
            self.moves[member] = move

    def _check(self) -> None:
        for cell in self.hidden:
            move = self.moves.get(cell)
            if (
                move is None
                or not move.get(cell)
                or not self._is_move(move, self.hidden, self.widened)
            ):
                raise RuntimeError(f"cell {self.keys[cell]!r} would be recoverable")
