"""Use cases: the only layer that knows both the database session and the core."""
