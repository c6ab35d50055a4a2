"""Retention: what is deleted when, by `python -m backend purge` and daily inside the server."""
