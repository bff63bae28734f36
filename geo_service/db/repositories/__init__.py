"""Repositories: the only modules that hold SQL. Functions take an open connection first."""
