"""Rasa 3.6 tokenizer: spaCy's tokens, with the detector's plain-English word as each lemma.

The intent classifier (bot/intent_classifier.py) reads the tokens' lemmas, so "u", "ur",
"cos", "pls" and "😭" are read as "you", "your", "because",
"please" and "crying": the same text-speak and emoji list the safeguarding detector reads
(bot/safeguarding/normalise.yml), kept in one place. The message's text itself is not
changed, so what the child typed is what the forms, the detector and the logs see.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.spacy_tokenizer import SpacyTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.safeguarding.normalise import Normaliser


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class NormalisingTokenizer(SpacyTokenizer):
    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._normaliser = Normaliser()

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        tokens = super().tokenize(message, attribute)
        if attribute == TEXT:
            for token in tokens:
                plain = self._normaliser.word(token.text)
                if plain != token.text.lower():
                    token.lemma = plain
        return tokens
