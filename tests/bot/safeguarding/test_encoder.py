"""The hand-written MiniLM encoder gives the sentence vectors sentence-transformers gives, and
the fine-tuned disclosure network survives saving and loading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from bot.safeguarding.encoder import MAX_TOKENS, DisclosureEncoder, MiniLM, _encode, _tokenizer

REFERENCE = json.loads(Path(__file__).with_name("minilm_reference.json").read_text())


def test_pretrained_minilm_matches_sentence_transformers() -> None:
    model = MiniLM.pretrained().eval()
    ids, mask = _encode(_tokenizer(MAX_TOKENS), REFERENCE["texts"])
    with torch.inference_mode():
        vectors = torch.nn.functional.normalize(model(ids, mask), dim=-1)
    expected = torch.tensor(REFERENCE["vectors"])
    assert torch.allclose(vectors[:, : expected.shape[1]], expected, atol=1e-4)


def test_padding_does_not_change_a_vector() -> None:
    model = MiniLM.pretrained().eval()
    tokenizer = _tokenizer(MAX_TOKENS)
    with torch.inference_mode():
        alone = model(*_encode(tokenizer, ["my dad hits me"]))
        padded = model(*_encode(tokenizer, ["my dad hits me", "a much longer message about the food and the wifi"]))
    assert torch.allclose(alone[0], padded[0], atol=1e-5)


def test_a_fine_tuned_network_is_the_same_after_save_and_load(tmp_path: Path) -> None:
    texts = ["he hits me", "my uncle touches me", "can we have pizza", "the wifi is slow"] * 4
    encoder = DisclosureEncoder.train(texts, [2, 1, 0, 0] * 4, [1.0] * 16)
    encoder.save(tmp_path / "encoder.safetensors")
    loaded = DisclosureEncoder.load(tmp_path / "encoder.safetensors")
    for before, after in zip(encoder.probabilities(texts[:4]), loaded.probabilities(texts[:4]), strict=True):
        assert after == pytest.approx(before, abs=2e-3)  # saved in half precision
        assert sum(after) == pytest.approx(1.0)


@pytest.mark.parametrize("text", ["", "😀", "a" * 20000, "\x00\n\t"])
def test_odd_text_gets_a_probability(text: str) -> None:
    texts = ["he hits me", "the wifi is slow"] * 2
    encoder = DisclosureEncoder.train(texts, [2, 0, 2, 0], [1.0] * 4)
    (probabilities,) = encoder.probabilities([text])
    assert all(0.0 <= p <= 1.0 for p in probabilities)
