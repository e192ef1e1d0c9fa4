"""HorizontalPodAutoscaler rules."""
