"""Safeguarding concerns: the tier below an alert, reviewed by a person within one working day.

The detector was unsure, the bot checked in with the child, and a concern waits in the
staff queue: no sound, no escalation chain, a reminder when it is not read in time.
Kept import-light: `backend.config` imports `backend.concerns.settings`.
"""
