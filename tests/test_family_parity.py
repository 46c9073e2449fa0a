"""RoBERTa, ALBERT and DistilBERT vs their transformers twins (float32, atol=1e-5).

Each case: a random transformers model (every weight redrawn, so a swapped name cannot hide) is
saved by transformers and loaded by bertedu, then saved by bertedu and loaded by transformers;
all three give the same hidden states, attention maps, logits and losses on padded inputs.
"""

from __future__ import annotations

import pytest
import torch
import transformers

from bertedu.family import (
    AlbertConfig,
    AlbertForMaskedLM,
    AlbertForPreTraining,
    AlbertModel,
    DistilBertConfig,
    DistilBertForMaskedLM,
    DistilBertForSequenceClassification,
    DistilBertModel,
    RobertaConfig,
    RobertaForMaskedLM,
    RobertaForSequenceClassification,
    RobertaModel,
)

ATOL = 1e-5
ROBERTA = [dict(vocab_size=60, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=24,
                max_position_embeddings=20, type_vocab_size=1, pad_token_id=1, layer_norm_eps=1e-5),
           dict(vocab_size=45, hidden_size=24, num_hidden_layers=1, num_attention_heads=3, intermediate_size=40,
                max_position_embeddings=16, type_vocab_size=2, pad_token_id=4, hidden_act="gelu_new", num_labels=3)]
ALBERT = [dict(vocab_size=60, embedding_size=8, hidden_size=16, num_hidden_layers=3, num_attention_heads=2,
               intermediate_size=24, max_position_embeddings=20),
          dict(vocab_size=45, embedding_size=12, hidden_size=24, num_hidden_layers=2, num_attention_heads=4,
               intermediate_size=30, max_position_embeddings=16, type_vocab_size=3, hidden_act="gelu",
               pad_token_id=2)]
DISTILBERT = [dict(vocab_size=60, dim=16, n_layers=2, n_heads=2, hidden_dim=24, max_position_embeddings=20),
              dict(vocab_size=45, dim=24, n_layers=1, n_heads=3, hidden_dim=40, max_position_embeddings=16,
                   activation="relu", pad_token_id=2, num_labels=3)]

CASES = [
    (RobertaModel, transformers.RobertaModel, RobertaConfig, transformers.RobertaConfig, ROBERTA, None),
    (RobertaForMaskedLM, transformers.RobertaForMaskedLM, RobertaConfig, transformers.RobertaConfig, ROBERTA, "mlm"),
    (RobertaForSequenceClassification, transformers.RobertaForSequenceClassification, RobertaConfig,
     transformers.RobertaConfig, ROBERTA, "class"),
    (AlbertModel, transformers.AlbertModel, AlbertConfig, transformers.AlbertConfig, ALBERT, None),
    (AlbertForPreTraining, transformers.AlbertForPreTraining, AlbertConfig, transformers.AlbertConfig, ALBERT,
     "pretraining"),
    (AlbertForMaskedLM, transformers.AlbertForMaskedLM, AlbertConfig, transformers.AlbertConfig, ALBERT, "mlm"),
    (DistilBertModel, transformers.DistilBertModel, DistilBertConfig, transformers.DistilBertConfig, DISTILBERT,
     None),
    (DistilBertForMaskedLM, transformers.DistilBertForMaskedLM, DistilBertConfig, transformers.DistilBertConfig,
     DISTILBERT, "mlm"),
    (DistilBertForSequenceClassification, transformers.DistilBertForSequenceClassification, DistilBertConfig,
     transformers.DistilBertConfig, DISTILBERT, "class"),
]
PARAMS = [pytest.param(case, values, id=f"{case[0].__name__}-config{i}")
          for case in CASES for i, values in enumerate(case[4])]


def make_batch(config, kind: str | None, has_token_types: bool, seed: int = 0) -> dict[str, torch.Tensor]:
    """Padded rows (lengths T, T/2 and 1, the pad id at padded slots), token types where they exist."""
    g = torch.Generator().manual_seed(seed)
    batch_size, seq_len = 3, 9
    input_ids = torch.randint(0, config.vocab_size, (batch_size, seq_len), generator=g)
    input_ids[input_ids == config.pad_token_id] = (config.pad_token_id + 1) % config.vocab_size
    attention_mask = torch.ones(batch_size, seq_len, dtype=torch.long)
    for row, length in enumerate((seq_len, seq_len // 2, 1)):
        attention_mask[row, length:] = 0
        input_ids[row, length:] = config.pad_token_id
    batch = {"input_ids": input_ids, "attention_mask": attention_mask}
    if has_token_types:
        batch["token_type_ids"] = torch.randint(0, config.type_vocab_size, (batch_size, seq_len), generator=g)
    if kind in ("mlm", "pretraining"):
        labels = torch.randint(0, config.vocab_size, (batch_size, seq_len), generator=g)
        batch["labels"] = torch.where(torch.rand(batch_size, seq_len, generator=g) < 0.4, labels, -100)
    if kind == "pretraining":
        batch["sentence_order_label"] = torch.tensor([0, 1, 1])
    if kind == "class":
        batch["labels"] = torch.randint(0, config.num_labels, (batch_size,), generator=g)
    return batch


def assert_same(ours, theirs) -> None:
    for name in ("last_hidden_state", "pooler_output", "logits", "prediction_logits", "sop_logits", "loss"):
        if getattr(theirs, name, None) is not None:
            torch.testing.assert_close(getattr(ours, name), getattr(theirs, name), atol=ATOL, rtol=0, msg=name)
    assert len(ours.hidden_states) == len(theirs.hidden_states)
    for our_state, their_state in zip(ours.hidden_states, theirs.hidden_states):
        torch.testing.assert_close(our_state, their_state, atol=ATOL, rtol=0)
    assert len(ours.attentions) == len(theirs.attentions)
    for our_map, their_map in zip(ours.attentions, theirs.attentions):
        torch.testing.assert_close(our_map, their_map, atol=ATOL, rtol=0)


@pytest.mark.parametrize("case, values", PARAMS)
def test_parity_and_checkpoints_both_ways(case, values, tmp_path):
    our_class, their_class, our_config_class, their_config_class, _, kind = case
    theirs = their_class(their_config_class(**values, attn_implementation="eager")).eval()
    torch.manual_seed(0)
    with torch.no_grad():
        for parameter in theirs.parameters():
            parameter.normal_(0.0, 0.3)
    theirs.save_pretrained(tmp_path / "theirs")
    ours, info = our_class.from_pretrained(tmp_path / "theirs", output_loading_info=True)
    assert not info.missing_keys and not info.unexpected_keys
    assert isinstance(ours.config, our_config_class)
    batch = make_batch(ours.config, kind, has_token_types=our_config_class is not DistilBertConfig)
    with torch.no_grad():
        expected = theirs(**batch, output_hidden_states=True, output_attentions=True)
        assert_same(ours(**batch, output_hidden_states=True, output_attentions=True), expected)
    ours.save_pretrained(tmp_path / "ours")
    reloaded = their_class.from_pretrained(tmp_path / "ours", attn_implementation="eager").eval()
    with torch.no_grad():
        assert_same(ours(**batch, output_hidden_states=True, output_attentions=True),
                    reloaded(**batch, output_hidden_states=True, output_attentions=True))
