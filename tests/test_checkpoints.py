"""HF checkpoint folders in and out: bertedu reads what transformers writes, and the other way round."""

from __future__ import annotations

import pickle

import pytest
import torch
import transformers
from conftest import hf_config, make_inputs
from safetensors.torch import save_file

import bertedu
import bertedu.files

ATOL = 1e-5
CONFIG = bertedu.BertConfig(vocab_size=90, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                            intermediate_size=40)


def outputs(model, config=CONFIG):
    input_ids, attention_mask, token_type_ids = make_inputs(config)
    with torch.no_grad():
        return model(input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)


def test_hf_save_bertedu_load_same_outputs(tmp_path):
    torch.manual_seed(0)
    theirs = transformers.BertModel(hf_config(CONFIG)).eval()
    theirs.save_pretrained(tmp_path)
    ours, info = bertedu.BertModel.from_pretrained(tmp_path, output_loading_info=True)
    assert not info.missing_keys and not info.unexpected_keys
    assert not ours.training
    a, b = outputs(ours), outputs(theirs)
    torch.testing.assert_close(a.last_hidden_state, b.last_hidden_state, atol=ATOL, rtol=0)
    torch.testing.assert_close(a.pooler_output, b.pooler_output, atol=ATOL, rtol=0)


def test_bertedu_save_hf_load_same_outputs(tmp_path):
    torch.manual_seed(0)
    ours = bertedu.BertModel(CONFIG).eval()
    ours.save_pretrained(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "model.safetensors"]
    theirs, info = transformers.BertModel.from_pretrained(tmp_path, output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"]
    a, b = outputs(ours), outputs(theirs.eval())
    torch.testing.assert_close(a.last_hidden_state, b.last_hidden_state, atol=ATOL, rtol=0)
    torch.testing.assert_close(a.pooler_output, b.pooler_output, atol=ATOL, rtol=0)


def test_pretraining_checkpoint_loads_into_bare_model_with_report(tmp_path):
    """A folder saved from BertForPreTraining has a `bert.` prefix and `cls.` heads."""
    torch.manual_seed(0)
    theirs = transformers.BertForPreTraining(hf_config(CONFIG)).eval()
    theirs.save_pretrained(tmp_path)
    with pytest.warns(UserWarning, match="were not used"):
        ours, info = bertedu.BertModel.from_pretrained(tmp_path, output_loading_info=True)
    assert not info.missing_keys
    assert info.unexpected_keys and all(k.startswith("cls.") for k in info.unexpected_keys)
    assert info.renamed_keys["bert.embeddings.word_embeddings.weight"] == "embeddings.word_embeddings.weight"
    a, b = outputs(ours), outputs(theirs.bert)
    torch.testing.assert_close(a.last_hidden_state, b.last_hidden_state, atol=ATOL, rtol=0)


def test_old_style_bin_with_gamma_beta_and_position_ids(tmp_path):
    """pytorch_model.bin as the original release had it: TF names, a `bert.` prefix, buffers."""
    torch.manual_seed(0)
    theirs = transformers.BertModel(hf_config(CONFIG)).eval()
    old = {}
    for name, tensor in theirs.state_dict().items():
        name = name.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta")
        old["bert." + name] = tensor.clone()
    old["bert.embeddings.position_ids"] = torch.arange(CONFIG.max_position_embeddings)[None]
    CONFIG.to_json_file(tmp_path / "config.json")
    torch.save(old, tmp_path / "pytorch_model.bin")
    ours, info = bertedu.BertModel.from_pretrained(tmp_path, output_loading_info=True)
    assert not info.missing_keys and not info.unexpected_keys
    assert info.renamed_keys["bert.encoder.layer.0.output.LayerNorm.gamma"] == "encoder.layer.0.output.LayerNorm.weight"
    a, b = outputs(ours), outputs(theirs)
    torch.testing.assert_close(a.last_hidden_state, b.last_hidden_state, atol=ATOL, rtol=0)


def test_missing_weights_are_reported(tmp_path):
    model = bertedu.BertModel(CONFIG)
    state = {k: v for k, v in model.state_dict().items() if not k.startswith("pooler.")}
    CONFIG.to_json_file(tmp_path / "config.json")
    save_file(state, str(tmp_path / "model.safetensors"))
    with pytest.warns(UserWarning, match="newly initialized"):
        _, info = bertedu.BertModel.from_pretrained(tmp_path, output_loading_info=True)
    assert info.missing_keys == ["pooler.dense.weight", "pooler.dense.bias"]


class Exploit:
    def __reduce__(self):
        return (print, ("pickle code ran",))


def test_bin_loading_never_runs_pickled_code(tmp_path):
    CONFIG.to_json_file(tmp_path / "config.json")
    with open(tmp_path / "pytorch_model.bin", "wb") as f:
        pickle.dump({"embeddings.word_embeddings.weight": Exploit()}, f)
    with pytest.raises(pickle.UnpicklingError):
        bertedu.BertModel.from_pretrained(tmp_path)


def test_shape_mismatch_says_config_does_not_match(tmp_path):
    bertedu.BertModel(CONFIG).save_pretrained(tmp_path)
    bigger = bertedu.BertConfig(**{**CONFIG.to_dict(), "vocab_size": 91})
    bigger.to_json_file(tmp_path / "config.json")
    with pytest.raises(ValueError, match="does not match the weights"):
        bertedu.BertModel.from_pretrained(tmp_path)


def test_missing_folder_and_missing_weights(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a folder"):
        bertedu.BertModel.from_pretrained(tmp_path / "nope")
    with pytest.raises(FileNotFoundError, match="no config.json"):
        bertedu.BertModel.from_pretrained(tmp_path)
    CONFIG.to_json_file(tmp_path / "config.json")
    with pytest.raises(FileNotFoundError, match="no weights"):
        bertedu.BertModel.from_pretrained(tmp_path)


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path, monkeypatch):
    bertedu.BertModel(CONFIG).save_pretrained(tmp_path)
    before = {name: (tmp_path / name).read_bytes() for name in ("config.json", "model.safetensors")}
    write_one = bertedu.files._write_one

    def disk_full_on_weights(path, content):
        if "model.safetensors" in path.name:
            raise OSError(28, "No space left on device")
        write_one(path, content)

    monkeypatch.setattr("bertedu.files._write_one", disk_full_on_weights)
    other = bertedu.BertModel(bertedu.BertConfig(**{**CONFIG.to_dict(), "hidden_dropout_prob": 0.3}))
    with pytest.raises(OSError, match="No space left"):
        other.save_pretrained(tmp_path)
    # config.json was written first, but neither file was replaced: the old checkpoint is whole.
    assert {name: (tmp_path / name).read_bytes() for name in before} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "model.safetensors"]


def test_saved_files_get_the_usual_permissions(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        bertedu.BertModel(CONFIG).save_pretrained(tmp_path / "saved")
    finally:
        os.umask(old)
    for name in ("config.json", "model.safetensors"):
        assert stat.S_IMODE((tmp_path / "saved" / name).stat().st_mode) == 0o644, name


def test_a_new_num_labels_drops_the_checkpoint_label_names_as_transformers_does(tmp_path):
    config = bertedu.BertConfig(**{**CONFIG.to_dict(), "id2label": {0: "neg", 1: "pos"}})
    bertedu.BertForSequenceClassification(config).save_pretrained(tmp_path / "sst2")
    same = bertedu.BertForSequenceClassification.from_pretrained(tmp_path / "sst2", num_labels=2)
    assert same.config.id2label == {0: "neg", 1: "pos"}
    with pytest.raises(ValueError, match="ignore_mismatched_sizes=True"):
        bertedu.BertForSequenceClassification.from_pretrained(tmp_path / "sst2", num_labels=3)
    with pytest.warns(UserWarning, match="another shape"):
        ours, info = bertedu.BertForSequenceClassification.from_pretrained(
            tmp_path / "sst2", num_labels=3, ignore_mismatched_sizes=True, output_loading_info=True)
    theirs = transformers.BertForSequenceClassification.from_pretrained(
        tmp_path / "sst2", num_labels=3, ignore_mismatched_sizes=True)
    assert ours.classifier.out_features == 3 and ours.config.num_labels == 3
    assert sorted(info.mismatched_keys) == ["classifier.bias", "classifier.weight"]
    assert torch.equal(ours.bert.pooler.dense.weight, same.bert.pooler.dense.weight)
    names = {i: name for i, name in (ours.config.id2label or {}).items()}
    assert names in ({}, {int(i): name for i, name in theirs.config.id2label.items()})
