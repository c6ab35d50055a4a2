"""Build the project's spaCy pipeline from official packages only.

Blank English plus the lookup lemmatizer from spacy-lookups-data ("took" ->
"take"), saved to disk so Rasa's SpacyNLP and the safeguarding detector load it
from a path. Nothing is downloaded at run time.

Usage: python -m bot.spacy_pipeline [OUTPUT_DIR]   (default .build/spacy_en)
"""

from __future__ import annotations

import sys
from pathlib import Path

import spacy
from spacy.language import Language

DEFAULT_PATH = Path(".build/spacy_en")


def build() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lookup tables from spacy-lookups-data
    return nlp


def load(path: Path = DEFAULT_PATH) -> Language:
    """Load the saved pipeline, building it first if it is not there yet."""
    if not (path / "meta.json").exists():
        save(path)
    return spacy.load(path)


def save(path: Path = DEFAULT_PATH) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    build().to_disk(path)


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PATH
    save(out)
    print(f"spaCy pipeline saved to {out}")
