"""Bad inputs and configs get BertModel's clear one-line errors, plus the family's own."""

from __future__ import annotations

import pytest
import torch

from bertedu import BertConfig, BertModel
from bertedu.family import (
    AlbertConfig,
    AlbertModel,
    DistilBertConfig,
    DistilBertModel,
    RobertaConfig,
    RobertaModel,
)

SMALL = dict(vocab_size=30, hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=16)


def test_roberta_position_limit_names_padding_idx():
    model = RobertaModel(RobertaConfig(**SMALL, max_position_embeddings=12, pad_token_id=1)).eval()
    model(torch.full((1, 10), 5))  # 10 = 12 - 1 - 1 fits
    with pytest.raises(ValueError, match=r"sequence length 11 exceeds 10 = max_position_embeddings \(12\) - "
                                         r"padding_idx \(1\) - 1.*max_length=10"):
        model(torch.full((1, 11), 5))
    with pytest.raises(ValueError, match="token_type_ids contains 1, outside \\[0, 1\\)"):
        model(torch.full((1, 4), 5), token_type_ids=torch.ones(1, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="must exceed pad_token_id \\+ 1"):
        RobertaConfig(**SMALL, max_position_embeddings=2, pad_token_id=1)


@pytest.mark.parametrize("model", [
    RobertaModel(RobertaConfig(**SMALL, max_position_embeddings=20)),
    AlbertModel(AlbertConfig(**SMALL, embedding_size=4, max_position_embeddings=20)),
    DistilBertModel(DistilBertConfig(**SMALL, max_position_embeddings=20)),
], ids=["roberta", "albert", "distilbert"])
def test_bert_input_checks_apply(model):
    with pytest.raises(ValueError, match="use input_ids.unsqueeze\\(0\\)"):
        model(torch.tensor([5, 6]))
    with pytest.raises(ValueError, match="input_ids contains 30, outside \\[0, 30\\)"):
        model(torch.tensor([[5, 30]]))
    with pytest.raises(ValueError, match="attention_mask must have the shape of input_ids"):
        model(torch.tensor([[5, 6]]), torch.ones(1, 3))


def test_config_errors_say_what_is_allowed():
    with pytest.raises(ValueError, match="num_hidden_groups and inner_group_num must be 1"):
        AlbertConfig(**SMALL, num_hidden_groups=2)
    with pytest.raises(ValueError, match="embedding_size must be a positive integer"):
        AlbertConfig(**SMALL, embedding_size=0)
    with pytest.raises(ValueError, match="sinusoidal_pos_embds must be false"):
        DistilBertConfig(**SMALL, sinusoidal_pos_embds=True)
    config = DistilBertConfig.from_dict({"dim": 8, "n_layers": 3, "n_heads": 2, "hidden_dim": 16, "vocab_size": 30})
    assert (config.hidden_size, config.num_hidden_layers, config.intermediate_size) == (8, 3, 16)
    assert {"dim", "n_layers", "n_heads", "hidden_dim", "activation"} <= set(config.to_dict())
    assert "type_vocab_size" not in config.to_dict()


def test_a_folder_of_another_architecture_is_refused(tmp_path):
    RobertaModel(RobertaConfig(**SMALL, max_position_embeddings=20)).save_pretrained(tmp_path)
    with pytest.raises(ValueError, match="describes a 'roberta' model, not 'albert'"):
        AlbertModel.from_pretrained(tmp_path)
    with pytest.raises(ValueError, match="describes a 'roberta' model, not 'bert'"):
        BertModel.from_pretrained(tmp_path)
    assert BertConfig.model_type == "bert" and RobertaConfig.model_type == "roberta"
