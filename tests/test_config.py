import json

import pytest
import transformers

from bertedu import BertConfig

FIELDS = ["vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
          "hidden_act", "hidden_dropout_prob", "attention_probs_dropout_prob", "max_position_embeddings",
          "type_vocab_size", "initializer_range", "layer_norm_eps", "pad_token_id", "tie_word_embeddings"]


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
    (dict(hidden_dropout_prob="x"), r"hidden_dropout_prob must be a number in \[0, 1\), got 'x'"),
    (dict(attention_probs_dropout_prob=float("nan")), "attention_probs_dropout_prob must be a number"),
    (dict(classifier_dropout=1.0), "classifier_dropout must be a number in"),
    (dict(layer_norm_eps="1e-12"), "layer_norm_eps must be a number > 0, got '1e-12'"),
    (dict(initializer_range=-0.02), "initializer_range must be a number >= 0"),
    (dict(vocab_size="30522"), "vocab_size must be a positive integer, got '30522'"),
    (dict(num_attention_heads=True), "num_attention_heads must be a positive integer, got True"),
    (dict(hidden_act=["gelu"]), r"hidden_act \['gelu'\] is not supported"),
    (dict(pad_token_id="0"), "pad_token_id .* must be an integer"),
    (dict(num_labels=0), "num_labels must be a positive integer"),
    (dict(problem_type="regress"), "problem_type must be one of"),
    (dict(tie_word_embeddings="yes"), "tie_word_embeddings must be true or false, got 'yes'"),
    (dict(id2label=["neg", "pos"]), "id2label must map every label id 0..N-1 to a name"),
    (dict(id2label={"0": "neg", "2": "pos"}), "id2label must map every label id 0..N-1"),
    (dict(id2label={"a": "neg"}), "id2label must map every label id 0..N-1"),
    (dict(id2label={0: "neg", "0": "pos"}), "id2label must map every label id 0..N-1"),
    (dict(id2label={0: ["neg"]}), "id2label must map every label id 0..N-1 to a name"),
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


def test_id2label_keys_read_from_json_strings_in_order():
    config = BertConfig(id2label={"1": "pos", "0": "neg"})
    assert config.id2label == {0: "neg", 1: "pos"} and list(config.id2label) == [0, 1]
    assert config.num_labels == 2
    assert BertConfig.from_dict({"label2id": {"neg": 0, "pos": 1}}).id2label == {0: "neg", 1: "pos"}
    with pytest.raises(ValueError, match="label2id must map label names to integer ids"):
        BertConfig.from_dict({"label2id": {"neg": "0"}})


def test_tie_word_embeddings_round_trips_through_json_and_transformers(tmp_path):
    config = BertConfig(vocab_size=99, hidden_size=32, num_attention_heads=2, tie_word_embeddings=False)
    config.to_json_file(tmp_path / "config.json")
    assert json.loads((tmp_path / "config.json").read_text())["tie_word_embeddings"] is False
    assert BertConfig.from_json_file(tmp_path / "config.json").tie_word_embeddings is False
    assert transformers.BertConfig.from_pretrained(tmp_path).tie_word_embeddings is False
    transformers.BertConfig(tie_word_embeddings=False).save_pretrained(tmp_path)
    assert BertConfig.from_json_file(tmp_path / "config.json").tie_word_embeddings is False


@pytest.mark.parametrize("key, value", [("position_embedding_type", "relative_key_query"),
                                        ("position_embedding_type", None), ("is_decoder", True),
                                        ("add_cross_attention", True)])
def test_every_key_that_would_change_the_numbers_is_refused(key, value):
    with pytest.raises(ValueError, match=rf"bertedu implements BERT's encoder .*{key}={value!r}"):
        BertConfig.from_dict({key: value})


def test_an_encoder_config_from_transformers_reads_without_a_note(tmp_path):
    """Every key transformers writes for an encoder is a field or changes no number: no warning."""
    import warnings

    transformers.BertConfig(vocab_size=99, hidden_size=32, num_attention_heads=2,
                            position_embedding_type="absolute").save_pretrained(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        config = BertConfig.from_json_file(tmp_path / "config.json")
    assert not config.extra


@pytest.mark.parametrize("content, message", [
    (b"\xff\xfe{}", r"config.json, line 1: byte 0xff is not UTF-8"),
    (b"{", "config.json is not valid JSON"),
    (b'"bert"', "config.json must hold a JSON object of config fields, got str"),
    (b'{"hidden_size": 30, "num_attention_heads": 4}', "config.json: BertConfig.hidden_size \\(30\\) must be divisible"),
    (b'{"extra": [1]}', "config.json: BertConfig.extra must be a dict"),
])
def test_config_file_errors_name_the_file(tmp_path, content, message):
    (tmp_path / "config.json").write_bytes(content)
    with pytest.raises(ValueError, match=message):
        BertConfig.from_json_file(tmp_path / "config.json")
