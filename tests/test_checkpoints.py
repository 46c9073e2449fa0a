"""HF checkpoint folders in and out: bertedu reads what transformers writes, and the other way round."""

from __future__ import annotations

import json
import os
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
    """Unpickling this creates the folder ``marker``: the proof that pickled code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


@pytest.mark.parametrize("writer", ["pickle", "torch.save"])
def test_bin_loading_never_runs_pickled_code(tmp_path, writer):
    CONFIG.to_json_file(tmp_path / "config.json")
    state = {"embeddings.word_embeddings.weight": Exploit(tmp_path / "pwned")}
    with open(tmp_path / "pytorch_model.bin", "wb") as f:
        pickle.dump(state, f) if writer == "pickle" else torch.save(state, f)
    with pytest.raises(ValueError, match=r"pytorch_model.bin is not a torch.save file of tensors"):
        bertedu.BertModel.from_pretrained(tmp_path)
    assert not (tmp_path / "pwned").exists()


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


# --- tie_word_embeddings: one matrix or two, both ways with transformers ---------------------------

def randomized(model: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """Every parameter random (biases too), so a weight loaded into the wrong place shows."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for param in model.parameters():
            param.normal_(0.0, 0.5)
    return model.eval()


def mlm_logits(model, config=CONFIG):
    input_ids, attention_mask, token_type_ids = make_inputs(config)
    with torch.no_grad():
        out = model(input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
    return out.logits if hasattr(out, "logits") else out.prediction_logits


UNTIED = bertedu.BertConfig(**{**CONFIG.to_dict(), "tie_word_embeddings": False})


@pytest.mark.parametrize("name", ["BertForMaskedLM", "BertForPreTraining"])
def test_untied_transformers_checkpoint_loads_with_its_own_decoder(tmp_path, name):
    theirs = randomized(getattr(transformers, name)(hf_config(UNTIED)))
    assert theirs.cls.predictions.decoder.weight is not theirs.bert.embeddings.word_embeddings.weight
    theirs.save_pretrained(tmp_path)
    ours, info = getattr(bertedu, name).from_pretrained(tmp_path, output_loading_info=True)
    assert ours.config.tie_word_embeddings is False
    assert not info.missing_keys and not info.unexpected_keys
    assert ours.cls.predictions.decoder.weight is not ours.bert.embeddings.word_embeddings.weight
    torch.testing.assert_close(ours.bert.embeddings.word_embeddings.weight,
                               theirs.bert.embeddings.word_embeddings.weight, atol=0, rtol=0)
    torch.testing.assert_close(mlm_logits(ours), mlm_logits(theirs), atol=ATOL, rtol=0)


@pytest.mark.parametrize("name", ["BertForMaskedLM", "BertForPreTraining"])
def test_untied_bertedu_checkpoint_loads_in_transformers(tmp_path, name):
    ours = randomized(getattr(bertedu, name)(UNTIED))
    ours.save_pretrained(tmp_path)
    assert json.loads((tmp_path / "config.json").read_text())["tie_word_embeddings"] is False
    theirs, info = getattr(transformers, name).from_pretrained(tmp_path, output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"]
    assert theirs.cls.predictions.decoder.weight is not theirs.bert.embeddings.word_embeddings.weight
    torch.testing.assert_close(mlm_logits(theirs.eval()), mlm_logits(ours), atol=ATOL, rtol=0)
    again = getattr(bertedu, name).from_pretrained(tmp_path)
    torch.testing.assert_close(mlm_logits(again), mlm_logits(ours), atol=0, rtol=0)


@pytest.mark.parametrize("name", ["BertForMaskedLM", "BertForPreTraining"])
def test_tied_stays_tied_both_ways(tmp_path, name):
    theirs = randomized(getattr(transformers, name)(hf_config(CONFIG)))
    theirs.save_pretrained(tmp_path / "theirs")
    ours = getattr(bertedu, name).from_pretrained(tmp_path / "theirs")
    assert ours.config.tie_word_embeddings is True
    assert ours.cls.predictions.decoder.weight is ours.bert.embeddings.word_embeddings.weight
    torch.testing.assert_close(mlm_logits(ours), mlm_logits(theirs), atol=ATOL, rtol=0)
    ours.save_pretrained(tmp_path / "ours")
    from safetensors import safe_open
    with safe_open(tmp_path / "ours" / "model.safetensors", framework="pt") as weights:
        assert "cls.predictions.decoder.weight" not in weights.keys()
    back = getattr(transformers, name).from_pretrained(tmp_path / "ours").eval()
    assert back.cls.predictions.decoder.weight is back.bert.embeddings.word_embeddings.weight
    torch.testing.assert_close(mlm_logits(back), mlm_logits(ours), atol=ATOL, rtol=0)


def test_tied_config_with_two_different_matrices_is_refused(tmp_path):
    """The silent wrong answer this guards against: the decoder matrix overwrote the embeddings."""
    randomized(transformers.BertForMaskedLM(hf_config(UNTIED))).save_pretrained(tmp_path)
    values = json.loads((tmp_path / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**values, "tie_word_embeddings": True}))
    with pytest.raises(ValueError, match='cls.predictions.decoder.weight differs from bert.embeddings'
                                         r'.word_embeddings.weight.*"tie_word_embeddings": false'):
        bertedu.BertForMaskedLM.from_pretrained(tmp_path)


# --- from_pretrained refuses what would be wrong or absurd, naming the file ------------------------

def saved(tmp_path, config=CONFIG, model_class=bertedu.BertModel):
    model_class(config).save_pretrained(tmp_path)
    return tmp_path


def rewrite_config(folder, **changes):
    values = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**values, **changes}))


def test_config_asking_for_20000_layers_is_refused_before_allocating(tmp_path):
    rewrite_config(saved(tmp_path), num_hidden_layers=20_000)
    with pytest.raises(ValueError, match="num_hidden_layers=20000 but the weights hold 2 layers"):
        bertedu.BertModel.from_pretrained(tmp_path)


@pytest.mark.parametrize("changes", [dict(vocab_size=10**9), dict(max_position_embeddings=10**9),
                                     dict(intermediate_size=10**8)])
def test_config_sizes_that_disagree_with_the_weights_are_refused_before_allocating(tmp_path, changes):
    rewrite_config(saved(tmp_path), **changes)
    with pytest.raises(ValueError, match="config.json does not match the weights"):
        bertedu.BertModel.from_pretrained(tmp_path)


def test_a_head_too_large_to_be_new_is_refused(tmp_path):
    saved(tmp_path)
    with pytest.raises(ValueError, match=r"asks for 3,300,000,000 parameters that the weights do not hold"):
        bertedu.BertForSequenceClassification.from_pretrained(tmp_path, num_labels=10**8)


def weights_with(tmp_path, name, tensor):
    state = bertedu.BertModel(CONFIG).state_dict()
    CONFIG.to_json_file(tmp_path / "config.json")
    save_file({**state, name: tensor}, str(tmp_path / "model.safetensors"))
    return tmp_path


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_weights_are_refused(tmp_path, value):
    tensor = torch.zeros(CONFIG.hidden_size)
    tensor[3] = value
    weights_with(tmp_path, "encoder.layer.1.output.LayerNorm.bias", tensor)
    with pytest.raises(ValueError, match=r"model.safetensors: encoder.layer.1.output.LayerNorm.bias holds NaN"):
        bertedu.BertModel.from_pretrained(tmp_path)


def test_integer_weights_are_refused(tmp_path):
    weights_with(tmp_path, "pooler.dense.bias", torch.zeros(CONFIG.hidden_size, dtype=torch.int64))
    with pytest.raises(ValueError, match=r"model.safetensors: pooler.dense.bias has dtype torch.int64"):
        bertedu.BertModel.from_pretrained(tmp_path)


def test_integer_position_ids_buffer_is_still_fine(tmp_path):
    weights_with(tmp_path, "embeddings.position_ids", torch.arange(CONFIG.max_position_embeddings)[None])
    bertedu.BertModel.from_pretrained(tmp_path)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_corrupt_safetensors_are_refused(tmp_path, damage):
    saved(tmp_path)
    data = (tmp_path / "model.safetensors").read_bytes()
    damaged = {"truncated": data[: len(data) // 2], "garbage": b"\x93NUMPY not a checkpoint" * 9,
               "empty": b""}[damage]
    (tmp_path / "model.safetensors").write_bytes(damaged)
    with pytest.raises(ValueError, match=r"model.safetensors is not a readable safetensors file"):
        bertedu.BertModel.from_pretrained(tmp_path)


def sharded(tmp_path, shard_name):
    """A folder whose safetensors index names ``shard_name`` for every weight."""
    folder = tmp_path / "checkpoint"
    folder.mkdir()
    CONFIG.to_json_file(folder / "config.json")
    save_file(bertedu.BertModel(CONFIG).state_dict(), str(tmp_path / "outside.safetensors"))
    index = {"weight_map": {name: shard_name for name in bertedu.BertModel(CONFIG).state_dict()}}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index))
    return folder


def test_shards_inside_the_folder_load(tmp_path):
    folder = sharded(tmp_path, "model-00001-of-00001.safetensors")
    (tmp_path / "outside.safetensors").rename(folder / "model-00001-of-00001.safetensors")
    bertedu.BertModel.from_pretrained(folder)


@pytest.mark.parametrize("shard", ["../outside.safetensors", "OUTSIDE", "sub/../../outside.safetensors", ".."])
def test_shard_index_pointing_outside_the_folder_is_refused(tmp_path, shard):
    shard = str(tmp_path / "outside.safetensors") if shard == "OUTSIDE" else shard
    with pytest.raises(ValueError, match=r"model.safetensors.index.json names the shard .*no paths, no '..'"):
        bertedu.BertModel.from_pretrained(sharded(tmp_path, shard))


@pytest.mark.parametrize("text", ["{not json", '["a list"]', '{"weight_map": ["model.safetensors"]}', "{}"])
def test_broken_shard_index_is_refused(tmp_path, text):
    folder = sharded(tmp_path, "x.safetensors")
    (folder / "model.safetensors.index.json").write_text(text)
    with pytest.raises(ValueError, match=r"model.safetensors.index.json is not (a shard index|valid JSON)"):
        bertedu.BertModel.from_pretrained(folder)


@pytest.mark.parametrize("content, message", [
    (b"\xff\xfe{}", r"config.json, line 1: byte 0xff is not UTF-8"),
    (b"{'vocab_size': 90}", r"config.json is not valid JSON \(Expecting property name"),
    (b"[1, 2]", r"config.json must hold a JSON object of config fields, got list"),
    (b'{"hidden_dropout_prob": "x"}', r"config.json: BertConfig.hidden_dropout_prob must be a number"),
    (b'{"num_hidden_layers": -2}', r"config.json: BertConfig.num_hidden_layers must be a positive integer"),
    (b'{"id2label": {"0": "neg", "2": "pos"}}', r"config.json: BertConfig.id2label must map every label id"),
    (b'{"id2label": {"zero": "neg"}}', r"config.json: BertConfig.id2label must map every label id"),
    (b'{"add_cross_attention": true}', r"config.json: bertedu implements BERT's encoder.*add_cross_attention"),
])
def test_broken_config_json_is_one_value_error_naming_the_file(tmp_path, content, message):
    saved(tmp_path)
    (tmp_path / "config.json").write_bytes(content)
    with pytest.raises(ValueError, match=message):
        bertedu.BertModel.from_pretrained(tmp_path)


def test_the_cli_prints_a_broken_checkpoint_as_one_line(tmp_path):
    from conftest import run_cli

    saved(tmp_path / "model")
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"tok{i}" for i in range(5, CONFIG.vocab_size)]
    (tmp_path / "model" / "vocab.txt").write_text("".join(token + "\n" for token in tokens))
    (tmp_path / "model" / "model.safetensors").write_bytes(b"garbage")
    code, _, err = run_cli(["finetune", "--task", "sst2", "--model", str(tmp_path / "model"),
                            "--max-train-examples", "2", "--output", str(tmp_path / "out")])
    assert code == 2
    assert err.count("\n") == 1 and "model.safetensors is not a readable safetensors file" in err


# --- resuming: checkpoint.pt is read without running code -----------------------------------------

def test_resume_state_round_trips(tmp_path):
    from bertedu.training_state import load_state, save_state

    save_state({"step": 3, "weights": torch.arange(4.0)}, tmp_path / "checkpoint.pt")
    state = load_state(tmp_path / "checkpoint.pt")
    assert state["step"] == 3 and torch.equal(state["weights"], torch.arange(4.0))


@pytest.mark.parametrize("damage, message", [
    ("exploit", "not a torch.save file of tensors"), ("garbage", "not a torch.save file of tensors"),
    ("truncated", "is truncated or corrupt"), ("empty", r"is truncated or corrupt \(the file ends too early\)"),
    ("list", "holds a list, not the dict of training state"),
])
def test_broken_or_malicious_resume_checkpoint_is_refused(tmp_path, damage, message):
    from bertedu.training_state import load_state

    path = tmp_path / "checkpoint.pt"
    if damage == "exploit":
        torch.save({"step": 3, "optimizer": Exploit(tmp_path / "pwned")}, path)
    elif damage == "list":
        torch.save([1, 2], path)
    else:
        torch.save({"weights": torch.zeros(1000)}, path)
        data = path.read_bytes()
        path.write_bytes({"garbage": b"not a checkpoint" * 8, "truncated": data[: len(data) // 2],
                          "empty": b""}[damage])
    with pytest.raises(ValueError, match=message):
        load_state(path)
    assert not (tmp_path / "pwned").exists()
