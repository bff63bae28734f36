"""Plans: scenarios made and edited in the service (the plan editor), and their derived territories."""
