"""Superset dashboards as code: the spec of datasets, charts and dashboards, the bundle written from it,
and the Superset service (own virtualenv) that serves them from the published snapshot."""
