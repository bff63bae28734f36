"""Suggested networks: proposals that meet the size band with the fewest patients moved.

``graph`` builds each commissioner area's neighbour graph (Voronoi cells clipped to the area), ``partition`` is
the optimisation (repair from the current configuration; ``optimise=False`` is the greedy split/merge baseline
it is measured against) and ``moves`` the moves it tries, ``explain`` the scorecard and one sentence per moved
practice, ``request`` what is asked, ``service`` the use case that reads a scenario and writes the draft plan,
``jobs`` the background suggestions for all of England on the job queue (procrastinate, in our PostgreSQL).
"""
