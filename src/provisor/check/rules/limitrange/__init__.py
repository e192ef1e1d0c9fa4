"""LimitRange rules: the LimitRange's own coherence and what its defaults and bounds do to
the pods of its namespace."""
