"""Training data, BLEU and ``python -m bertedu translate`` (lesson 12)."""

from __future__ import annotations

import torch
from conftest import run_cli

from bertedu.course import DATA_DIR
from bertedu.tokenizer import BertTokenizer
from bertedu.translation.run import collate, corpus_bleu, encode_pairs

TOKENIZER = BertTokenizer.from_pretrained(DATA_DIR / "course-bert-tiny")


def test_targets_end_with_sep_and_the_decoder_start_comes_from_the_shift():
    features = encode_pairs(TOKENIZER, [("the dog sees the cat.", "der hund sieht die katze.")], 48)
    source, labels = features[0]["input_ids"], features[0]["labels"]
    assert source[0] == TOKENIZER.cls_token_id and source[-1] == TOKENIZER.sep_token_id
    assert labels[-1] == TOKENIZER.sep_token_id and TOKENIZER.cls_token_id not in labels
    assert TOKENIZER.decode(labels, skip_special_tokens=True) == "der hund sieht die katze."


def test_collate_pads_sources_with_pad_and_labels_with_ignore_index():
    batch = collate([{"input_ids": [2, 5, 3], "labels": [7, 3]}, {"input_ids": [2, 3], "labels": [8, 9, 3]}],
                    pad_token_id=0)
    assert torch.equal(batch["input_ids"], torch.tensor([[2, 5, 3], [2, 3, 0]]))
    assert torch.equal(batch["attention_mask"], torch.tensor([[1, 1, 1], [1, 1, 0]]))
    assert torch.equal(batch["labels"], torch.tensor([[7, 3, -100], [8, 9, 3]]))


def test_bleu_is_sacrebleu_on_detokenized_text():
    references = ["ich weiss, dass der hund die katze sieht."]
    assert abs(corpus_bleu(["ich weiss , dass der hund die katze sieht ."], references) - 100.0) < 1e-9
    assert 0.0 < corpus_bleu(["ich weiss, dass der hund die katze nicht sieht."], references) < 100.0


def test_translate_command_trains_both_models_and_prints_bleu():
    code, out, err = run_cli(["translate", "--pairs", "40", "--dev", "4", "--steps", "2", "--examples", "1",
                              "--max-length", "8"])
    assert code == 0, err
    assert "20 decoder tensors newly initialized (the cross-attention: crossattention of layers 0, 1)" in out
    assert "warm-started: dev BLEU" in out and "random init: dev BLEU" in out
    assert out.count("reference:") == 1


def test_translate_command_errors_are_one_line():
    code, _, err = run_cli(["translate", "--model", "/nonexistent", "--steps", "1"])
    assert code == 2 and "no config.json there" in err and len(err.strip().splitlines()) == 1
    code, _, err = run_cli(["translate", "--pairs", "10", "--dev", "10"])
    assert code == 2 and "dev_size must be between 1 and 9" in err
