"""The moves the repair search of :mod:`geo_service.suggest.partition` tries on a copy of its state: move a
practice out of its network, cut a network between two practices or along a seeded random spanning tree, shed
boundary practices to neighbours with room, grow by taking practices from neighbours, share a network out among its
neighbours, merge two networks (and cut again). Each keeps every network connected in the neighbour graph: a unit
only joins a network it touches, and a network only gives up a unit it stays connected without.
"""

from __future__ import annotations

from collections import defaultdict

import networkx as nx


class Moves:
    """Mixed into the search (``partition._Search``), which holds the state these read and change."""

    def _move_out(self, u: str) -> bool:
        lab = self.label[u]
        if not self._connected_without(lab, u) or len(self.members[lab]) == 1:
            return False
        targets = [m for m in self._adjacent_labels({u}) if self._apart_ok(u, m)]
        if not targets:
            return False
        self._set(u, min(targets, key=lambda m: (self.pop[m] + self.w[u] > self.hi, self._cost(u, m), self.pop[m], m)))
        return True

    def _cut_between(self, lab: str, a: str, b: str) -> bool:
        tree = self._tree(lab)
        path = nx.shortest_path(tree, a, b)
        best = None
        pop = self.pop[lab]
        for x, y in zip(path, path[1:], strict=False):
            t2 = tree.copy()
            t2.remove_edge(x, y)
            side = nx.node_connected_component(t2, b)
            s = sum(self.w[v] for v in side)
            key = (self._viol(s) + self._viol(pop - s), abs(2 * s - pop), min(side))
            if best is None or key < best[0]:
                best = (key, side)
        if best is None:
            return False
        self._relabel(set(best[1]), self._new())
        return True

    def _tree(self, lab: str) -> nx.Graph:
        """A seeded random spanning tree of the network (distances jittered by up to 60 %): Kruskal's algorithm
        over the members' edges in sorted order, stably sorted by jittered length, as networkx's
        ``minimum_spanning_tree`` does, and the tree built as it builds it (nodes sorted, edges in the order
        taken), so a depth-first walk of it visits the same order; written out because it runs thousands of
        times on England and networkx's subgraph views and dispatch cost more than the tree itself."""
        members = self.members[lab]
        nodes = sorted(members)
        adj = self.g.adj
        edges = [(x, y) for x in nodes for y in sorted(adj[x]) if x < y and y in members]
        rng = self.rng.random
        r = [(adj[x][y].get("length", 1.0) + 1.0) * (1.0 + 0.6 * rng()) for x, y in edges]
        root = {v: v for v in nodes}

        def find(v: str) -> str:
            while root[v] != v:
                root[v] = root[root[v]]
                v = root[v]
            return v

        tree = nx.Graph()
        tree.add_nodes_from(nodes)
        for i in sorted(range(len(edges)), key=r.__getitem__):
            x, y = edges[i]
            a, b = find(x), find(y)
            if a != b:
                root[a] = b
                tree.add_edge(x, y, r=r[i])
        return tree

    def _pick(self, cands: list[tuple[str, str]], need: int) -> tuple[str, str] | None:
        """The move to make among (unit, to): the cheapest that covers ``need`` alone, else the largest."""

        def key(c: tuple[str, str]) -> tuple:
            u, m = c
            worse = self.dom_cost > 0 and self._dominance_after_move(u, m) > 0  # moves that leave none dominated first
            if self.w[u] >= need:
                return (0, worse, self._cost(u, m), self.w[u], u, m)
            return (1, worse, -self.w[u], self._cost(u, m), u, m)

        for u, m in sorted(cands, key=key):
            if self._connected_without(self.label[u], u):  # type: ignore[arg-type]
                return u, m
        return None

    def _shed(self, lab: str) -> bool:
        moved = False
        while lab in self.members and self.pop[lab] > self.hi:
            cands = [
                (u, m)
                for u in sorted(self.members[lab])
                if self.pop[lab] - self.w[u] >= self.lo
                for m in self._adjacent_labels({u})
                if self.pop[m] + self.w[u] <= self.hi and self._apart_ok(u, m)
            ]
            pick = self._pick(cands, self.pop[lab] - self.hi)
            if pick is None:
                break
            self._set(*pick)
            moved = True
        return moved

    def _grow(self, lab: str) -> bool:
        moved = False
        while lab in self.members and self.pop[lab] < self.lo:
            cands = [
                (v, lab)
                for v in sorted({v for u in self.members[lab] for v in self.g[u]} - self.members[lab])
                if self.label[v] is not None
                and (self.pop[self.label[v]] - self.w[v] >= self.lo or self.pop[self.label[v]] > self.hi)
                and self.pop[lab] + self.w[v] <= self.hi
                and self._apart_ok(v, lab)
                and len(self.members[self.label[v]]) > 1
            ]
            pick = self._pick(cands, self.lo - self.pop[lab])
            if pick is None:
                break
            self._set(*pick)
            moved = True
        return moved

    def _dissolve(self, lab: str) -> bool:
        while lab in self.members:
            cands = [
                (u, m)
                for u in sorted(self.members[lab])
                for m in self._adjacent_labels({u})
                if self.pop[m] + self.w[u] <= self.hi and self._apart_ok(u, m)
            ]
            pick = self._pick(cands, 0)
            if pick is None:
                return False
            self._set(*pick)
        return True

    def _merge(self, lab: str, other: str, then_split: bool) -> bool:
        a, b = self.members[lab], self.members[other]
        if not self._sets_apart_ok(a, b):
            return False
        if not then_split and self.pop[lab] + self.pop[other] > self.hi:
            return False
        # The side that keeps its code is the one whose practices are there now (fewer patients moved).
        keep_a = sum(self.w[u] for u in a if self.start[u] == lab)
        keep_b = sum(self.w[u] for u in b if self.start[u] == other)
        into, away = (lab, other) if (keep_a, lab) > (keep_b, other) else (other, lab)
        self._relabel(set(self.members[away]), into)
        if then_split and self.pop[into] > self.hi:
            return self._split(into, balanced=not self.optimise)
        return True

    def _split(self, lab: str, balanced: bool = False) -> bool:
        """Cut the network along a seeded random spanning tree; the part with fewer of its own practices gets a
        new code. ``balanced``: cut at the most even point (the greedy baseline) rather than the cheapest."""
        pop = self.pop[lab]
        members = self.members[lab]
        if len(members) < 2:
            return False
        parts = max(2, -(-pop // self.hi))
        if pop // self.lo >= parts:
            target = pop / parts
        else:
            target = pop / 2
        own = {u: self.w[u] if self.start[u] == lab else 0 for u in members}
        own_total = sum(own.values())
        giant = {u: self.w[u] if self.w[u] > self.hi else 0 for u in members}
        giant_total = sum(giant.values())
        best = None
        for _ in range(6 if self.optimise else 1):
            tree = self._tree(lab)
            root = min(members)
            order = list(nx.dfs_postorder_nodes(tree, root))
            parent = nx.dfs_predecessors(tree, root)
            sub_w: dict[str, int] = {}
            sub_own: dict[str, int] = {}
            sub_giant: dict[str, int] = {}  # patients of practices over the maximum by themselves
            children: dict[str, list[str]] = defaultdict(list)
            for v, p in parent.items():
                children[p].append(v)
            for v in order:
                sub_w[v] = self.w[v] + sum(sub_w[c] for c in children[v])
                sub_own[v] = own[v] + sum(sub_own[c] for c in children[v])
                sub_giant[v] = giant[v] + sum(sub_giant[c] for c in children[v])
            largest = self._largest_either_side(order, children) if self.dom_cost else {}
            for v in order:
                if v == root:
                    continue
                s, r = sub_w[v], pop - sub_w[v]
                violation = self._cut_violation(s, sub_giant[v]) + self._cut_violation(r, giant_total - sub_giant[v])
                cost = min(sub_own[v], own_total - sub_own[v])
                if largest:  # a part in band that one practice dominates costs as much as moving dom_cost patients
                    inside, outside = largest[v]
                    cost += self.dom_cost * ((s <= self.hi and self._dominated(s, inside))
                                             + (r <= self.hi and self._dominated(r, outside)))  # fmt: skip
                if balanced:
                    key = (violation, abs(min(s, r) - target), cost, v)
                else:
                    key = (violation, cost, abs(min(s, r) - target), v)
                if best is None or key < best[0]:
                    best = (key, tree, v, parent)
        if best is None:
            return False
        _, tree, v, parent = best
        t2 = tree.copy()
        t2.remove_edge(v, parent[v])
        side = nx.node_connected_component(t2, v)
        side_own = sum(own[u] for u in side)
        rest_own = own_total - side_own
        fresh = set(side) if side_own <= rest_own else set(members) - set(side)
        self._relabel(fresh, self._new())
        return True

    def _largest_either_side(self, order: list[str], children: dict[str, list[str]]) -> dict[str, tuple[int, int]]:
        """For each node of a spanning tree (``order``: post-order), the largest list size inside its subtree and
        outside it. A subtree is a run of the post-order ending at its root, so the outside is a prefix and a
        suffix of it: their running maxima answer in one pass."""
        n = len(order)
        w = [self.w[v] for v in order]
        size: dict[str, int] = {}
        inside: dict[str, int] = {}
        for v in order:
            size[v] = 1 + sum(size[c] for c in children[v])
            inside[v] = max([self.w[v]] + [inside[c] for c in children[v]])
        before, after = [0] * (n + 1), [0] * (n + 1)
        for i in range(n):
            before[i + 1] = max(before[i], w[i])
        for i in range(n - 1, -1, -1):
            after[i] = max(after[i + 1], w[i])
        out = {}
        for end, v in enumerate(order):
            start = end - size[v] + 1
            out[v] = (inside[v], max(before[start], after[end + 1]))
        return out

    def _cut_violation(self, part: int, giant: int) -> int:
        """How far a part of a cut is from being in band or dividable into networks in band. A practice over
        the maximum counts only what is beside it (alone is the best it can be)."""
        if giant:
            return part - giant
        if self._viol(part) == 0 or (part > self.hi and part // self.lo >= -(-part // self.hi)):
            return 0
        return self._viol(part)

    def _undominate(self) -> None:
        """Last pass: a network one practice dominates takes boundary practices from neighbours that stay in
        band and undominated, until it is no longer dominated, if that moves at most ``dom_cost`` patients."""
        for lab in sorted(self.members):
            if lab not in self.members or len(self.members[lab]) == 0:
                continue
            largest = max(self.w[u] for u in self.members[lab])
            if not self._dominated(self.pop[lab], largest) or largest >= self.dom * self.hi:
                continue  # not dominated, or dominated whatever joins it within the band
            snap, spent = self._snapshot(), 0
            while self._dominated(self.pop[lab], largest):
                need = largest / self.dom - self.pop[lab]  # patients it must gain
                cands = [
                    (v, lab)
                    for v in sorted({v for u in self.members[lab] for v in self.g[u]} - self.members[lab])
                    if (m := self.label[v]) is not None
                    and len(self.members[m]) > 1
                    and self.lo <= self.pop[m] - self.w[v] <= self.hi
                    and self.pop[lab] + self.w[v] <= self.hi
                    and self.w[v] < largest
                    and self._apart_ok(v, lab)
                    and self._dominance_after_move(v, lab) <= 0
                ]
                pick = self._pick(cands, int(need) + 1)
                if pick is None:
                    break
                spent += max(0, self._cost(*pick))
                self._set(*pick)
            if self._dominated(self.pop[lab], largest) or spent > self.dom_cost:
                self._restore(snap)
