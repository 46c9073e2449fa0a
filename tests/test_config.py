import json

import pytest
import transformers

from bertedu import BertConfig

FIELDS = ["vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
          "hidden_act", "hidden_dropout_prob", "attention_probs_dropout_prob", "max_position_embeddings",
          "type_vocab_size", "initializer_range", "layer_norm_eps", "pad_token_id"]


def test_defaults_are_hf_defaults():
    ours, theirs = BertConfig(), transformers.BertConfig()
    for name in FIELDS:
        assert getattr(ours, name) == getattr(theirs, name), name


def test_json_round_trip(tmp_path):
    config = BertConfig(vocab_size=123, hidden_size=64, num_attention_heads=4, hidden_act="gelu_new",
                        id2label={0: "neg", 1: "pos"})
    config.to_json_file(tmp_path / "config.json")
    again = BertConfig.from_json_file(tmp_path / "config.json")
    assert again == config
    assert again.label2id == {"neg": 0, "pos": 1}


def test_reads_hf_config_json_and_notes_unknown_keys(tmp_path):
    hf = transformers.BertConfig(vocab_size=99, hidden_size=32, num_attention_heads=2, num_hidden_layers=1)
    hf.save_pretrained(tmp_path)
    values = json.loads((tmp_path / "config.json").read_text())
    values["my_experiment_flag"] = True
    (tmp_path / "config.json").write_text(json.dumps(values))
    with pytest.warns(UserWarning, match="my_experiment_flag"):
        config = BertConfig.from_json_file(tmp_path / "config.json")
    assert (config.vocab_size, config.hidden_size, config.num_hidden_layers) == (99, 32, 1)
    assert config.extra["my_experiment_flag"] is True
    # Our config.json is read back by transformers with the same values.
    config.to_json_file(tmp_path / "config.json")
    back = transformers.BertConfig.from_pretrained(tmp_path)
    for name in FIELDS:
        assert getattr(back, name) == getattr(config, name), name


@pytest.mark.parametrize("kwargs, message", [
    (dict(hidden_size=100, num_attention_heads=12), "divisible"),
    (dict(hidden_size=0), "hidden_size must be a positive integer"),
    (dict(num_hidden_layers=-1), "num_hidden_layers"),
    (dict(vocab_size=2.5), "vocab_size"),
    (dict(hidden_act="swish"), "hidden_act 'swish' is not supported"),
    (dict(hidden_dropout_prob=1.5), "hidden_dropout_prob"),
    (dict(pad_token_id=30522), "pad_token_id"),
])
def test_invalid_configs_say_what_is_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        BertConfig(**kwargs)


def test_named_sizes():
    tiny = BertConfig.from_size("tiny", vocab_size=1000)
    assert (tiny.num_hidden_layers, tiny.hidden_size, tiny.num_attention_heads) == (2, 128, 2)
    base = BertConfig.from_size("base")
    assert (base.num_hidden_layers, base.hidden_size, base.num_attention_heads) == (12, 768, 12)
    with pytest.raises(ValueError, match="unknown BERT size"):
        BertConfig.from_size("huge")


def test_rejects_other_model_types(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "gpt2"}))
    with pytest.raises(ValueError, match="gpt2"):
        BertConfig.from_json_file(tmp_path / "config.json")


def test_rejects_features_bertedu_does_not_implement():
    with pytest.raises(ValueError, match="relative_key"):
        BertConfig.from_dict({"position_embedding_type": "relative_key"})
    with pytest.raises(ValueError, match="is_decoder"):
        BertConfig.from_dict({"is_decoder": True})
