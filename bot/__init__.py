"""Rasa-side code that is not an action: NLU components, spaCy pipeline, chat channel."""
