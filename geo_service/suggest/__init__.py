"""Suggested networks: proposals that meet the size band with the fewest patients moved.

``graph`` builds each commissioner area's neighbour graph (Voronoi cells clipped to the area), ``partition`` is
the optimisation (repair from the current configuration; ``optimise=False`` is the greedy split/merge baseline
it is measured against), ``explain`` the scorecard and one sentence per moved practice, ``service`` the use
case that reads a scenario and writes the draft plan, ``jobs`` the background queue for all of England.
"""
