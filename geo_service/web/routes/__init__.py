"""The blueprints: each module one concern; they parse input, call services and shape responses."""
