"""Rasa input channels of this project (the tablet chat page's own channel)."""
