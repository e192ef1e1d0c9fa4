"""PriorityClass rules."""
