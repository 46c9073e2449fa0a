"""Shared fixtures: tiny configurations and their transformers twins."""

from __future__ import annotations

import contextlib
import io

import pytest
import torch

import bertedu

# Several tiny shapes: one head, many heads, odd sizes, each activation.
TINY_CONFIGS = [
    dict(vocab_size=101, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37),
    dict(vocab_size=64, hidden_size=24, num_hidden_layers=3, num_attention_heads=1, intermediate_size=48,
         hidden_act="gelu_new", max_position_embeddings=40, type_vocab_size=3),
    dict(vocab_size=50, hidden_size=48, num_hidden_layers=1, num_attention_heads=6, intermediate_size=64,
         hidden_act="relu", layer_norm_eps=1e-6, pad_token_id=3),
]


def hf_config(config: bertedu.BertConfig, **extra):
    import transformers

    values = {k: v for k, v in config.to_dict().items() if k not in ("id2label", "label2id")}
    if config.id2label is not None:
        values["id2label"] = config.id2label
    return transformers.BertConfig(**values, attn_implementation="eager", **extra)


def make_inputs(config: bertedu.BertConfig, batch_size: int = 3, seq_len: int = 9, seed: int = 0):
    """Random ids with padding of different lengths (one row fully padded after [CLS]) and segments."""
    g = torch.Generator().manual_seed(seed)
    input_ids = torch.randint(0, config.vocab_size, (batch_size, seq_len), generator=g)
    attention_mask = torch.ones(batch_size, seq_len, dtype=torch.long)
    lengths = [seq_len, seq_len // 2, 1][:batch_size]
    for row, length in enumerate(lengths):
        attention_mask[row, length:] = 0
    token_type_ids = torch.randint(0, config.type_vocab_size, (batch_size, seq_len), generator=g)
    return input_ids, attention_mask, token_type_ids


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """Tokenized corpora (``python -m bertedu pretrain``) are cached in the session's temporary folder,
    never in the user's ~/.cache (session scope: set before any module's fixtures run the CLI)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))
        yield


@pytest.fixture(params=range(len(TINY_CONFIGS)), ids=lambda i: f"config{i}")
def config(request) -> bertedu.BertConfig:
    return bertedu.BertConfig(**TINY_CONFIGS[request.param])


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``python -m bertedu ARGV`` in this process: (exit code, stdout, stderr)."""
    from bertedu.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()
