"""Telling the advocacy provider that a child asked for an advocate: what is sent, and its durable outbox."""
