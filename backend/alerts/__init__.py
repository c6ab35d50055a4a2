"""Safeguarding alerts: stored, shown live to staff, notified, escalated, handed to a person.

Kept import-light: `backend.config` imports `backend.alerts.settings`.
"""
