"""Alerting-rule rules: labels and annotations, OOM alerts, templates, and the real
``promtool check rules``."""
