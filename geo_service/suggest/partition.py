"""The optimisation: bring one commissioner area's networks into the size band, moving as few patients as possible.

A *problem* is one area: its practices (units) with list sizes and current networks, the area's neighbour graph
(:mod:`geo_service.suggest.graph`), the band, the networks kept whole and untouched (locks), the pairs of practices
kept apart (cannot-link) and a seed. Every answer keeps each network connected in the neighbour graph and inside
the area, because units only ever join a network they touch and a network only ever gives up a unit it stays
connected without (networkx's connectivity tests), and splits follow a spanning tree.

The search is a repair loop from the current configuration (what libraries such as spopt's AZP and max-p lack:
they enforce a floor but never a ceiling, and start from scratch):

1. pieces: a network's members in another area than its home, or a part not connected to the rest, become
   networks of their own; practices with no network join the smallest network they touch;
2. cannot-link: a pair sharing a network is separated by moving one of them or cutting the spanning-tree path
   between them;
3. oversized networks (largest first): shed boundary practices to neighbours with room, or cut along a seeded
   random spanning tree (Kruskal over jittered distances, as networkx's ``minimum_spanning_tree``) into parts in band;
4. undersized networks (smallest first): take boundary practices from neighbours that stay in band, merge with a
   neighbour, share out among neighbours, or merge and cut again;
5. each alternative is tried on a copy and the one with the least band violation, then the least cost, is kept:
   patients moved plus ``dominance_cost`` patients for each network whose largest member holds at least the
   dominance share (as the dominance rule counts), so a cut or a shedding that leaves one practice dominating its
   network loses to one that does not unless avoiding it moves more patients than that; rounds repeat until every
   network is in band or nothing improves; the best state seen wins;
6. give back: every moved practice that can return to its old network without breaking a rule or making a
   network dominated (unless that saves more than ``dominance_cost`` patients moved) does;
7. undominate: a network one practice dominates (when a network in band can be undominated at all: its largest
   practice under half the maximum) takes boundary practices from neighbours that stay in band and undominated,
   if that moves at most ``dominance_cost`` patients.

Randomness comes only from ``random.Random(f"{seed}:{area}")``; iteration is over sorted codes, so the same seed
gives the same plan.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import networkx as nx

from geo_service.suggest.moves import Moves

# One dominated network weighs as much as this many patients moved (about two typical practice lists). On
# England 2019/20 (benchmarks/suggest.py): 2,500 left 272 dominated networks, 10,000 229, 20,000 214 and 40,000
# 212, while patients moved rose from 0.74x to 0.77x and 0.79x the greedy baseline's; 20,000 is the knee.
DOMINANCE_COST = 20_000


@dataclass(frozen=True)
class Unit:
    """A practice: ODS code, list size (0 when unknown) and current network code (None: no network)."""

    code: str
    weight: int
    start: str | None


@dataclass(frozen=True)
class Problem:
    area: str
    units: tuple[Unit, ...]
    graph: nx.Graph
    min: int = 30_000
    max: int = 50_000
    locked: frozenset[str] = frozenset()
    apart: tuple[tuple[str, str], ...] = ()
    seed: int = 0
    home: frozenset[str] | None = None  # network codes that may keep their code here (None: every current one)
    dominance: float = 0.5  # the dominance rule's share: a network whose largest member holds this much is dominated
    dominance_cost: int = DOMINANCE_COST  # patients moved the search gives to avoid one dominated network


@dataclass(frozen=True)
class Note:
    """Why (part of) an area cannot meet the rules. ``kind``: area_under_min, indivisible, practice_over_max,
    locks, apart, out_of_band."""

    area: str
    kind: str
    message: str
    blocking: bool = True  # the rules cannot be met in the area whatever is moved


@dataclass
class AreaResult:
    area: str
    labels: dict[str, str]  # unit code -> network code (existing, or a new one from ``new_labels``)
    new_labels: list[str]
    notes: list[Note] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return not any(n.blocking for n in self.notes)


def new_label(area: str, k: int) -> str:
    return f"NEW-{area}-{k}"


def solve(problem: Problem, optimise: bool = True) -> AreaResult:
    """The suggested configuration of one area (``optimise=False``: the greedy split/merge baseline)."""
    return _Search(problem, optimise).run()


class _Search(Moves):
    def __init__(self, p: Problem, optimise: bool) -> None:
        self.p = p
        self.optimise = optimise
        self.lo, self.hi = p.min, p.max
        self.w = {u.code: max(0, int(u.weight or 0)) for u in p.units}
        self.start = {u.code: u.start for u in p.units}
        self.frozen = {u.code for u in p.units if u.start is not None and u.start in p.locked}
        self.free = sorted(u.code for u in p.units if u.code not in self.frozen)
        self.g = nx.Graph(p.graph.subgraph(self.free))
        self.apart: dict[str, set[str]] = defaultdict(set)
        for a, b in p.apart:
            if a in self.w and b in self.w and a != b:
                self.apart[a].add(b)
                self.apart[b].add(a)
        self.rng = random.Random(f"{p.seed}:{p.area}")
        self.fresh = 0
        self.label: dict[str, str | None] = {}
        self.members: dict[str, set[str]] = defaultdict(set)
        self.pop: dict[str, int] = defaultdict(int)
        self.notes: list[Note] = []
        self.dom = p.dominance
        self.dom_cost = p.dominance_cost if optimise else 0  # the greedy baseline ignores dominance

    # ---- state ------------------------------------------------------------------------------------------

    def _new(self) -> str:
        self.fresh += 1
        return new_label(self.p.area, self.fresh)

    def _set(self, u: str, to: str | None) -> None:
        old = self.label.get(u)
        if old is not None:
            self.members[old].discard(u)
            self.pop[old] -= self.w[u]
            if not self.members[old]:
                del self.members[old]
                del self.pop[old]
        self.label[u] = to
        if to is not None:
            self.members[to].add(u)
            self.pop[to] += self.w[u]

    def _relabel(self, units: set[str], to: str) -> None:
        for u in sorted(units):
            self._set(u, to)

    def _snapshot(self) -> tuple:
        return (dict(self.label), {k: set(v) for k, v in self.members.items()}, dict(self.pop), self.fresh)

    def _restore(self, snap: tuple) -> None:
        label, members, pop, fresh = snap
        self.label = dict(label)
        self.members = defaultdict(set, {k: set(v) for k, v in members.items()})
        self.pop = defaultdict(int, pop)
        self.fresh = fresh

    def _viol(self, pop: int) -> int:
        return max(0, self.lo - pop) + max(0, pop - self.hi)

    def _score(self) -> tuple[int, int]:
        """(band violation in patients, patients moved + the cost of dominated networks) over the area's free
        practices."""
        violation = sum(self._viol(p) for lab, p in self.pop.items() if len(self.members[lab]) > 0)
        moved = sum(self.w[u] for u in self.free if self.label.get(u) != self.start[u])
        if self.dom_cost:
            moved += self.dom_cost * sum(self._dominated(self.pop[lab], max(self.w[u] for u in ms))
                                         for lab, ms in self.members.items() if ms)  # fmt: skip
        return violation, moved

    def _dominated(self, pop: int, largest: int) -> bool:
        """As the dominance rule counts: the largest member holds at least the dominance share."""
        return pop > 0 and largest >= self.dom * pop

    def _cost(self, u: str, to: str | None) -> int:
        return self.w[u] * (int(to != self.start[u]) - int(self.label[u] != self.start[u]))

    # ---- graph helpers ----------------------------------------------------------------------------------

    def _connected_without(self, lab: str, u: str) -> bool:
        rest = self.members[lab] - {u}
        return not rest or nx.is_connected(self.g.subgraph(rest))

    def _adjacent_labels(self, units: set[str]) -> list[str]:
        labs = {self.label[v] for u in units for v in self.g[u]} - {None}
        own = {self.label[u] for u in units}
        return sorted(lab for lab in labs - own if lab is not None)

    def _apart_ok(self, u: str, lab: str, ignore: set[str] | None = None) -> bool:
        others = self.apart.get(u)
        if not others:
            return True
        members = self.members.get(lab, set())
        return not any(o in members and (ignore is None or o not in ignore) for o in others)

    def _sets_apart_ok(self, a: set[str], b: set[str]) -> bool:
        return not any(o in b for u in a for o in self.apart.get(u, ()))

    # ---- the steps ---------------------------------------------------------------------------------------

    def run(self) -> AreaResult:
        self._check_structure()
        self._initial_labels()
        self._place_orphans()
        self._separate_apart()
        self._repair()
        if self.optimise:
            self._give_back()
            if self.dom_cost:
                self._undominate()
        for lab in sorted(self.members):
            pop = self.pop[lab]
            if self._viol(pop):
                side = "under" if pop < self.lo else "over"
                self.notes.append(
                    Note(
                        self.p.area,
                        "out_of_band",
                        f"{lab} stays {side} the band with {pop:,} patients: no move of its neighbours brings it "
                        f"to {self.lo:,}–{self.hi:,}.",
                        blocking=False,
                    )
                )
        labels = {u: self.start[u] for u in self.frozen}  # type: ignore[misc]
        labels.update({u: self.label[u] for u in self.free})  # type: ignore[misc]
        used = set(labels.values())
        return AreaResult(
            self.p.area,
            labels,
            [new_label(self.p.area, k) for k in range(1, self.fresh + 1) if new_label(self.p.area, k) in used],
            self.notes,
        )

    def _check_structure(self) -> None:
        area, lo, hi = self.p.area, self.lo, self.hi
        for u in sorted(self.w):
            if self.w[u] > hi:
                self.notes.append(
                    Note(area, "practice_over_max", f"Practice {u} alone has {self.w[u]:,} patients, over {hi:,}.")
                )
        locked_pops: dict[str, int] = defaultdict(int)
        locked_members: dict[str, set[str]] = defaultdict(set)
        for u in sorted(self.frozen):
            locked_pops[self.start[u]] += self.w[u]  # type: ignore[index]
            locked_members[self.start[u]].add(u)  # type: ignore[index]
        for net in sorted(locked_pops):
            if self._viol(locked_pops[net]):
                self.notes.append(
                    Note(
                        area,
                        "locks",
                        f"Locked network {net} has {locked_pops[net]:,} patients, outside {lo:,}–{hi:,}: the lock "
                        "keeps it so.",
                    )
                )
            pairs = sorted({tuple(sorted((u, o))) for u in locked_members[net] for o in self.apart.get(u, ())
                            if o in locked_members[net]})  # fmt: skip
            for a, b in pairs:
                self.notes.append(
                    Note(area, "locks", f"{a} and {b} must be kept apart but are both in locked network {net}.")
                )
        parts = sorted((sorted(c) for c in nx.connected_components(self.g)), key=lambda c: c[0])
        for part in parts:
            total = sum(self.w[u] for u in part)
            where = f"Area {area}" if len(parts) == 1 else f"Part of area {area} around {part[0]} (cut off by locks)"
            if total < lo:
                self.notes.append(
                    Note(area, "area_under_min", f"{where} holds {total:,} patients, under the minimum of {lo:,}.")
                )
            elif total // lo < -(-total // hi):
                self.notes.append(
                    Note(
                        area,
                        "indivisible",
                        f"{where} holds {total:,} patients: no number of networks of {lo:,}–{hi:,} adds up to it.",
                    )
                )

    def _initial_labels(self) -> None:
        home = self.p.home
        foreign: dict[str, str] = {}
        for u in self.free:
            s = self.start[u]
            if s is None or s in self.p.locked:
                self._set(u, None)
            elif home is None or s in home:
                self._set(u, s)
            else:
                if s not in foreign:
                    foreign[s] = self._new()
                self._set(u, foreign[s])
        for lab in sorted(self.members):
            parts = sorted(
                nx.connected_components(self.g.subgraph(self.members[lab])),
                key=lambda c: (-sum(self.w[x] for x in c), min(c)),
            )
            for extra in parts[1:]:
                self._relabel(set(extra), self._new())

    def _place_orphans(self) -> None:
        while True:
            waiting = [u for u in self.free if self.label.get(u) is None]
            if not waiting:
                return
            placed = False
            for u in waiting:
                labs = [lab for lab in self._adjacent_labels({u}) if self._apart_ok(u, lab)]
                if labs:
                    self._set(u, min(labs, key=lambda lab: (self.pop[lab] + self.w[u] > self.hi, self.pop[lab], lab)))
                    placed = True
            if not placed:
                self._set(waiting[0], self._new())

    def _separate_apart(self) -> None:
        for _ in range(4 * len(self.p.apart) + 1):
            pairs = sorted(
                (a, b)
                for a in self.apart
                for b in self.apart[a]
                if a < b and a in self.label and b in self.label and self.label[a] == self.label[b]
            )
            if not pairs:
                return
            a, b = pairs[0]
            lab = self.label[a]
            options: list[Callable[[], bool]] = [
                lambda u=u: self._move_out(u) for u in sorted((a, b), key=lambda x: (self.w[x], x))
            ]
            options.append(lambda lab=lab, a=a, b=b: self._cut_between(lab, a, b))
            if not self._best_of(options, require_change=True):
                self.notes.append(Note(self.p.area, "apart", f"{a} and {b} could not be put in different networks."))
                return

    # ---- repair ------------------------------------------------------------------------------------------

    def _best_of(self, options: list[Callable[[], bool]], require_change: bool = False) -> bool:
        """Try each option on a copy; keep the one with the least (violation, patients moved)."""
        base = self._snapshot()
        base_score = self._score()
        best: tuple | None = None
        for i, option in enumerate(options):
            self._restore(base)
            if not option():
                continue
            score = self._score()
            if best is None or (score, i) < (best[0], best[1]):
                best = (score, i, self._snapshot())
        self._restore(base)
        if best is None:
            return False
        if not require_change and best[0] >= base_score:
            return False
        self._restore(best[2])
        return True

    def _repair(self) -> None:
        rounds = 3 * max(1, len(self.members)) + 10
        best = (self._score(), self._snapshot())
        for _ in range(rounds):
            changed = False
            for lab in sorted((m for m in self.members if self.pop[m] > self.hi), key=lambda m: (-self.pop[m], m)):
                if lab in self.members and self.pop[lab] > self.hi:
                    changed |= self._fix_over(lab)
            for lab in sorted((m for m in self.members if self.pop[m] < self.lo), key=lambda m: (self.pop[m], m)):
                if lab in self.members and self.pop[lab] < self.lo:
                    changed |= self._fix_under(lab)
            score = self._score()
            if score < best[0]:
                best = (score, self._snapshot())
            if not changed or score[0] == 0:
                break
        self._restore(best[1])

    def _fix_over(self, lab: str) -> bool:
        if len(self.members[lab]) == 1:
            return False
        if not self.optimise:
            return self._best_of([lambda: self._split(lab, balanced=True)], require_change=True)
        return self._best_of([lambda: self._shed(lab), lambda: self._split(lab), lambda: self._split(lab, True)])

    def _fix_under(self, lab: str) -> bool:
        neighbours = self._adjacent_labels(self.members[lab])
        if not self.optimise:  # greedy: merge with the smallest neighbour, cut again if too big
            ok = [m for m in neighbours if self._sets_apart_ok(self.members[lab], self.members[m])]
            if not ok:
                return False
            m = min(ok, key=lambda x: (self.pop[x], x))
            return self._best_of([lambda: self._merge(lab, m, then_split=True)], require_change=True)
        options: list[Callable[[], bool]] = [lambda: self._grow(lab), lambda: self._dissolve(lab)]
        for m in neighbours:
            options.append(lambda m=m: self._merge(lab, m, then_split=False))
            options.append(lambda m=m: self._merge(lab, m, then_split=True))
        return self._best_of(options)

    def _give_back(self) -> None:
        for _ in range(3):
            changed = False
            for u in sorted(self.free, key=lambda x: (-self.w[x], x)):
                home, lab = self.start[u], self.label[u]
                if home is None or home == lab or home not in self.members or lab is None:
                    continue
                if not any(self.label[v] == home for v in self.g[u]):
                    continue
                alone = len(self.members[lab]) == 1  # moving it back closes its network
                after_from = 0 if alone else self._viol(self.pop[lab] - self.w[u])
                after_to = self._viol(self.pop[home] + self.w[u])
                if after_from + after_to > self._viol(self.pop[lab]) + self._viol(self.pop[home]):
                    continue
                if len(self.members[lab]) > 1 and not self._connected_without(lab, u):
                    continue
                if not self._apart_ok(u, home):
                    continue
                if self.dom_cost and self._dominance_after_move(u, home) * self.dom_cost > self.w[u]:
                    continue
                self._set(u, home)
                changed = True
            if not changed:
                return

    def _dominance_after_move(self, u: str, to: str) -> int:
        """How many more of ``u``'s network and ``to`` are dominated once ``u`` moves to ``to``."""
        w, lab = self.w, self.label[u]
        into = self.members.get(to, set())
        before = self._dominated(self.pop[to], max((w[x] for x in into), default=0))
        after = self._dominated(self.pop[to] + w[u], max([w[u]] + [w[x] for x in into]))
        if lab is not None:
            rest = self.members[lab] - {u}
            before += self._dominated(self.pop[lab], max(w[x] for x in self.members[lab]))
            after += self._dominated(self.pop[lab] - w[u], max(w[x] for x in rest)) if rest else 0
        return int(after) - int(before)
