"""PodDisruptionBudget rules."""
