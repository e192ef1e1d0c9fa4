"""Grafana dashboard rules (bare models, HTTP API wrappers, dashboards embedded in
ConfigMaps)."""
