"""Safeguarding detection: reviewable patterns (patterns.yml, normalise.yml) plus a
small classifier (training_examples.yml), run on every message by component.py."""
