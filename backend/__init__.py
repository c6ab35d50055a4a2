"""Backend service: the only owner of feedback records, alerts and staff data."""
