"""VerticalPodAutoscaler rules."""
