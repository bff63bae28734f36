"""How a planner finds a page: one search over areas, networks and practices, did-you-mean suggestions and
canonical codes for URLs (service layer, no Flask)."""
