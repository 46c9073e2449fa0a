"""benchmarks/throughput.py in its CPU smoke size: both models train, the JSON holds positive
throughputs, and the model-FLOPs count is the formula of its docstring, recomputed here by hand."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

import pytest
import torch

from bertedu.config import BertConfig
from bertedu.pretraining import BertForPreTraining

ROOT = Path(__file__).resolve().parent.parent
# The tiny size with a small vocabulary and short sequences: a few seconds on two cores.
SMOKE = ["--smoke", "--vocab-size", "1000", "--seq-len", "32", "--batch-size", "2", "--steps", "1",
         "--repeats", "2", "--warmup", "1"]


def import_benchmark():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import throughput
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return throughput


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    """Its main() in this process (transformers is imported already), on the CPU even where a GPU is."""
    out = tmp_path_factory.mktemp("throughput") / "throughput.json"
    threads = torch.get_num_threads()
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            import_benchmark().main([*SMOKE, "--device", "cpu", "--json", str(out)])
    finally:
        torch.set_num_threads(threads)  # the benchmark sets its own thread count
    assert "| card | dtype | model | ms/step | tokens/s | MFU | ratio bertedu/HF |" in printed.getvalue()
    return json.loads(out.read_text())


def test_both_models_have_positive_throughput(report):
    assert set(report["results"]) == {"transformers", "bertedu", "bertedu sparse"}
    for result in report["results"].values():
        assert result["tokens_per_s"] > 0 and result["ms_per_step"] > 0 and len(result["step_seconds"]) == 2
        assert result["mfu"] is None  # no known peak for a CPU
    assert report["device"] == "CPU" and (report["batch_size"], report["seq_len"]) == (2, 32)
    assert report["max_loss_diff"] < 1e-4  # same weights, same batch: the same loss


def test_flop_count_is_the_documented_formula(report):
    # tiny: L=2, H=128, A=2, I=512; V=1000, T=32.
    L, H, I, V, T = 2, 128, 512, 1000, 32
    by_hand = (6 * L * (4 * H * H + 2 * H * I)   # Q, K, V, attention output, FFN in and out
               + 12 * L * T * H                   # Q K^T and probabilities x V
               + 6 * (H * H + H * V)              # MLM transform and vocabulary projection, every position
               + 6 * (H * H + 2 * H) / T)         # pooler and NSP, once per sequence
    assert by_hand == 3_327_024
    assert report["flops_per_token"] == pytest.approx(by_hand, rel=1e-12)
    P = report["predictions_per_seq"]
    assert P == round(0.15 * T)
    masked_only = by_hand - 6 * (H * H + H * V) * (1 - P / T)
    assert report["flops_per_token_masked_only"] == pytest.approx(masked_only, rel=1e-12)


def test_flop_count_matches_the_model_matmul_weights():
    """6 x (weights of every matmul a token goes through) + attention: counted from the model itself."""
    config = BertConfig.from_size("tiny", vocab_size=1000)
    T = 32
    model = BertForPreTraining(config)
    per_token = sum(m.weight.numel() for m in model.bert.encoder.modules() if isinstance(m, torch.nn.Linear))
    per_token += model.cls.predictions.transform.dense.weight.numel()
    per_token += model.cls.predictions.decoder.weight.numel()  # tied to the word embeddings: V x H
    per_sequence = model.bert.pooler.dense.weight.numel() + model.cls.seq_relationship.weight.numel()
    attention = 12 * config.num_hidden_layers * T * config.hidden_size
    assert import_benchmark().training_flops_per_token(config, T) == pytest.approx(
        6 * per_token + 6 * per_sequence / T + attention, rel=1e-12)
