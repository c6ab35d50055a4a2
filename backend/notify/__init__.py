"""Outgoing notifications to staff (email)."""
