"""Data parallelism on CPU (gloo, 2 processes under torchrun): 2 x 16 rows trace the loss curve of
1 x 32 (dropout off; atol 1e-5), a checkpoint written by 2 processes resumes in 1, and a rank that
dies fails the run with an error within a timeout instead of hanging."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from ddp_worker import main as train_alone
from test_pretrain_cli import TINY_CONFIG, write_corpus

from bertedu import distributed

WORKER = Path(__file__).with_name("ddp_worker.py")
ROOT = WORKER.parent.parent


def torchrun(*arguments: str, timeout: float = 90) -> subprocess.CompletedProcess:
    """``torchrun --standalone --nproc_per_node 2 ARGUMENTS`` (the worker script by default)."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{WORKER.parent}", "OMP_NUM_THREADS": "1"}
    script = [] if arguments[0] == "-m" else [str(WORKER)]
    return subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                           *script, *arguments], env=env, capture_output=True, text=True, timeout=timeout)


def losses(history: dict) -> list[float]:
    return [record["loss"] for record in history["train"]]


@pytest.fixture(scope="module")
def alone(tmp_path_factory):
    return train_alone([str(tmp_path_factory.mktemp("alone")), "--batch-size", "32"])


def test_importing_changes_nothing_and_alone_is_world_of_one():
    assert not torch.distributed.is_initialized()
    assert (distributed.world_size(), distributed.rank(), distributed.is_main_process()) == (1, 0, True)
    assert distributed.all_reduce_mean(2.5) == 2.5 and distributed.broadcast_from_main(1.5) == 1.5


def test_two_processes_of_16_trace_the_loss_curve_of_one_of_32(alone, tmp_path):
    result = torchrun(str(tmp_path), "--batch-size", "16")
    assert result.returncode == 0, result.stderr[-3000:]
    history = json.loads((tmp_path / "history.json").read_text())
    assert len(losses(history)) == 20 and max(losses(alone)) - min(losses(alone)) > 0.02  # not a flat curve
    torch.testing.assert_close(losses(history), losses(alone), atol=1e-5, rtol=0)
    torch.testing.assert_close([r["grad_norm"] for r in history["train"]],
                               [r["grad_norm"] for r in alone["train"]], atol=1e-5, rtol=0)
    assert torch.load(tmp_path / "checkpoint" / "checkpoint.pt", weights_only=True)["epoch_instances"] == 64


def test_gradient_accumulation_under_ddp_traces_one_process(tmp_path):
    alone = train_alone([str(tmp_path / "alone"), "--batch-size", "16", "--accumulation", "2"])
    result = torchrun(str(tmp_path / "ddp"), "--batch-size", "8", "--accumulation", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    history = json.loads((tmp_path / "ddp" / "history.json").read_text())
    torch.testing.assert_close(losses(history), losses(alone), atol=1e-5, rtol=0)


def test_a_two_process_checkpoint_resumes_in_one_process(alone, tmp_path):
    result = torchrun(str(tmp_path), "--batch-size", "16", "--stop-at", "10")
    assert result.returncode == 0, result.stderr[-3000:]
    resumed = train_alone([str(tmp_path), "--batch-size", "32", "--resume"])
    assert [r["step"] for r in resumed["train"]] == list(range(1, 21))
    torch.testing.assert_close(losses(resumed), losses(alone), atol=1e-5, rtol=0)


def test_a_rank_that_dies_fails_the_run_instead_of_hanging(tmp_path):
    start = time.monotonic()
    result = torchrun(str(tmp_path), "--batch-size", "16", "--die-at", "3", timeout=60)
    assert result.returncode != 0 and time.monotonic() - start < 60
    assert "exitcode" in result.stderr and "ddp_worker.py FAILED" in result.stderr, result.stderr[-3000:]
    assert not (tmp_path / "history.json").exists()


def test_the_pretrain_command_under_torchrun_writes_one_folder_with_the_effective_batch(tmp_path):
    config = tmp_path / "tiny.json"
    config.write_text(json.dumps(TINY_CONFIG))
    output = tmp_path / "run"
    result = torchrun("-m", "bertedu", "pretrain", "--corpus", str(write_corpus(tmp_path / "corpus.txt")),
                      "--config", str(config), "--max-steps", "3", "--batch-size", "4", "--seq-len", "32",
                      "--dupe-factor", "1", "--vocab-size", "120", "--no-progress-bar", "--output", str(output))
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("8 sequences per update (4 per process x 2 process(es) x 1 accumulated)") == 1
    assert result.stdout.count("held-out MLM accuracy") == 1  # rank 0 alone reports
    arguments = json.loads((output / "training_args.json").read_text())
    assert (arguments["world_size"], arguments["effective_batch_size"]) == (2, 8)
    history = json.loads((output / "history.json").read_text())
    assert [r["step"] for r in history["train"]] == [1, 2, 3] and "mlm_accuracy" in history["eval"][-1]


def test_the_finetune_command_under_torchrun_reports_and_writes_once(tmp_path):
    output = tmp_path / "sst2"
    result = torchrun("-m", "bertedu", "finetune", "--task", "sst2", "--model", str(ROOT / "data" / "course-bert-tiny"),
                      "--max-train-examples", "32", "--epochs", "1", "--batch-size", "8", "--lr", "1e-3",
                      "--no-progress-bar", "--output", str(output))
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("training examples from") == 1 and result.stdout.count("fine-tuned model:") == 1
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["step"] == 2 and 0.0 <= metrics["accuracy"] <= 1.0  # 32 rows / (8 per process x 2) a step
