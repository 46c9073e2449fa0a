"""The training loop: transformers' schedule at every step, BERT's weight-decay groups, clipping,
accumulation, bf16 autocast, atomic checkpoints and a resume that repeats the loss curve exactly; the
GPU path's switches (TF32, fused AdamW, pinned copies, torch.compile) and that the CPU path ignores them."""

from __future__ import annotations

import random

import pytest
import torch
import transformers

from bertedu.config import BertConfig
from bertedu.finetuning.models import BertForSequenceClassification
from bertedu.pretraining.collator import DataCollatorForPretraining
from bertedu.pretraining.instances import create_training_instances
from bertedu.pretraining.models import BertForPreTraining
from bertedu.trainer import Trainer, TrainingArguments, linear_schedule_with_warmup, param_groups

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = [f"w{i}" for i in range(60)]
TINY = {"vocab_size": len(SPECIALS) + len(WORDS), "hidden_size": 16, "num_hidden_layers": 1,
        "num_attention_heads": 2, "intermediate_size": 32, "max_position_embeddings": 32}


@pytest.fixture(scope="module")
def tokenizer():
    return transformers.BertTokenizer(vocab={w: i for i, w in enumerate(SPECIALS + WORDS)})


@pytest.fixture(scope="module")
def instances(tokenizer):
    rng = random.Random(0)
    documents = [[[rng.choice(WORDS) for _ in range(rng.randint(3, 9))] for _ in range(rng.randint(2, 6))]
                 for _ in range(8)]
    return create_training_instances(documents, tokenizer, 24, rng=random.Random(0), dupe_factor=1,
                                      mask=False, progress_bar=False)


def classification_data(n: int = 8, seq_len: int = 6) -> list[dict[str, torch.Tensor]]:
    g = torch.Generator().manual_seed(0)
    return [{"input_ids": torch.randint(0, TINY["vocab_size"], (seq_len,), generator=g),
             "attention_mask": torch.ones(seq_len, dtype=torch.long),
             "labels": torch.tensor(i % 2)} for i in range(n)]


def classifier(seed: int = 0) -> BertForSequenceClassification:
    torch.manual_seed(seed)
    return BertForSequenceClassification(BertConfig(**TINY, hidden_dropout_prob=0.0,
                                                    attention_probs_dropout_prob=0.0))


@pytest.mark.parametrize("warmup,total", [(0, 20), (7, 50), (10, 10), (3, 1)])
def test_schedule_equals_transformers_at_every_step(warmup, total):
    ours_opt = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=1e-3)
    theirs_opt = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=1e-3)
    ours = linear_schedule_with_warmup(ours_opt, warmup, total)
    theirs = transformers.get_linear_schedule_with_warmup(theirs_opt, warmup, total)
    for _ in range(total + 5):
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), abs=1e-15)
        ours_opt.step(), theirs_opt.step(), ours.step(), theirs.step()


def test_constant_schedule_and_decay_capped_by_the_time_budget():
    def rates(**options) -> list[float]:
        optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
        scheduler = linear_schedule_with_warmup(optimizer, 2, 10, **options)
        values = []
        for _ in range(6):
            values.append(scheduler.get_last_lr()[0])
            optimizer.step()
            scheduler.step()
        return values

    assert rates() == [0.0, 0.5, 1.0, 0.875, 0.75, 0.625]
    assert rates(decay=False) == [0.0, 0.5, 1.0, 1.0, 1.0, 1.0]
    budget = iter([0.9, 0.5, 0.1, -0.2, 0.0])  # share of the time budget left, asked after the warmup
    assert rates(time_left=lambda: next(budget)) == [0.0, 0.5, 0.9, 0.5, 0.1, 0.0]


def test_warmup_ends_by_the_clock_when_the_budget_allows_fewer_updates():
    # Warmup planned over 100 updates, but also over 10 % of a time budget: the clock ends it first.
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    left = [1.0]  # the share of the budget left, set by the test before each update's schedule step
    scheduler = linear_schedule_with_warmup(optimizer, 100, 1000, time_left=lambda: left[0], warmup_time=0.1)
    values = []
    for share_left in (0.95, 0.9, 0.45, 0.0):
        optimizer.step()
        left[0] = share_left
        scheduler.step()
        values.append(scheduler.get_last_lr()[0])
    # 5 % of the budget spent: half the warmup (by updates it would be 1 %); 10 %: warmup over and
    # the decay follows the clock, 0.9 / 0.9 = the peak; then 0.45 / 0.9 = half; budget spent: 0.
    assert values == pytest.approx([0.5, 1.0, 0.5, 0.0])
    with pytest.raises(ValueError, match="warmup_time"):
        linear_schedule_with_warmup(optimizer, 1, 10, warmup_time=1.0)


def test_param_groups_exclude_biases_and_layer_norm():
    model = BertForPreTraining(BertConfig(**TINY))
    decay, no_decay = param_groups(model, 0.01)
    assert decay["weight_decay"] == 0.01 and no_decay["weight_decay"] == 0.0
    names = {id(p): n for n, p in model.named_parameters()}
    assert all(names[id(p)].endswith("bias") or "LayerNorm" in names[id(p)] for p in no_decay["params"])
    assert all(not names[id(p)].endswith("bias") and "LayerNorm" not in names[id(p)]
               for p in decay["params"])
    assert id(model.bert.embeddings.word_embeddings.weight) in map(id, decay["params"])  # tied: once
    assert id(model.cls.predictions.transform.LayerNorm.weight) in map(id, no_decay["params"])
    assert len(decay["params"]) + len(no_decay["params"]) == len(list(model.parameters()))


def test_gradient_accumulation_equals_the_big_batch():
    data = classification_data(8)
    big = Trainer(classifier(), TrainingArguments(batch_size=8, progress_bar=False), data)
    small = Trainer(classifier(), TrainingArguments(batch_size=4, gradient_accumulation_steps=2,
                                                    progress_bar=False), data)
    batch = big.data_collator(data)
    loss_big = big.accumulate_gradients([batch])
    loss_small = small.accumulate_gradients([small.data_collator(data[:4]), small.data_collator(data[4:])])
    assert loss_small == pytest.approx(loss_big, abs=1e-6)
    for (name, p), q in zip(big.model.named_parameters(), small.model.parameters()):
        torch.testing.assert_close(q.grad, p.grad, atol=1e-6, rtol=0, msg=name)


def test_gradient_clipping_scales_to_max_norm():
    data = classification_data(8)
    trainer = Trainer(classifier(), TrainingArguments(batch_size=8, max_grad_norm=1e-3, progress_bar=False),
                      data)
    trainer.accumulate_gradients([trainer.data_collator(data)])
    before = torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in trainer.model.parameters()]))
    assert trainer.clip_gradients() == pytest.approx(float(before), rel=1e-6)
    after = torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in trainer.model.parameters()]))
    assert float(before) > 1e-3 and float(after) == pytest.approx(1e-3, rel=1e-4)


def test_bf16_autocast_trains_on_cpu():
    args = TrainingArguments(batch_size=4, max_steps=3, learning_rate=1e-3, autocast="bf16",
                             progress_bar=False, device="cpu")
    history = Trainer(classifier(), args, classification_data(8)).train()
    assert len(history["train"]) == 3 and all(torch.isfinite(torch.tensor(r["loss"])) for r in history["train"])


def test_cpu_path_uses_none_of_the_gpu_switches():
    precision = torch.get_float32_matmul_precision()
    trainer = Trainer(classifier(), TrainingArguments(batch_size=4, max_steps=2, progress_bar=False,
                                                      device="cpu"), classification_data(8))
    assert trainer.optim == "adamw_torch" and not trainer.optimizer.defaults["fused"]
    assert not trainer.tf32 and not trainer.pin_memory and trainer.train_model is trainer.model
    trainer.train()
    assert torch.get_float32_matmul_precision() == precision


def test_tf32_is_set_only_while_training_on_cuda_and_restored():
    trainer = Trainer(classifier(), TrainingArguments(progress_bar=False, device="cpu", tf32=True),
                      classification_data(8))
    before = torch.get_float32_matmul_precision()
    with trainer.matmul_precision():  # on the CPU: nothing to switch
        assert torch.get_float32_matmul_precision() == before
    trainer.device = torch.device("cuda")  # what the context does on CUDA (it runs no CUDA op itself)
    with pytest.raises(RuntimeError, match="boom"), trainer.matmul_precision():
        assert torch.get_float32_matmul_precision() == "high"
        raise RuntimeError("boom")
    assert torch.get_float32_matmul_precision() == before  # restored, also after an error


def test_fused_adamw_trains_like_the_plain_one_on_cpu():
    losses = {}
    for optim in ("adamw_torch", "adamw_torch_fused"):
        args = TrainingArguments(batch_size=4, max_steps=4, learning_rate=1e-3, optim=optim,
                                 progress_bar=False, device="cpu")
        trainer = Trainer(classifier(), args, classification_data(8))
        assert bool(trainer.optimizer.defaults["fused"]) == (optim == "adamw_torch_fused")
        losses[optim] = [r["loss"] for r in trainer.train()["train"]]
    assert losses["adamw_torch_fused"] == pytest.approx(losses["adamw_torch"], abs=1e-5)


def test_torch_compile_flag_compiles_the_training_forward_only(monkeypatch, tmp_path):
    """The plumbing: torch.compile on a CPU takes about a minute for this tiny model on two cores,
    too slow for the unit tests, so a stand-in records what would be compiled."""
    compiled = []

    def fake_compile(module):
        compiled.append(module)
        return module

    monkeypatch.setattr(torch, "compile", fake_compile)
    args = TrainingArguments(output_dir=str(tmp_path), batch_size=4, max_steps=2, torch_compile=True,
                             progress_bar=False, device="cpu")
    trainer = Trainer(classifier(), args, classification_data(8))
    assert compiled == [trainer.model] and trainer.train_model is trainer.model
    trainer.train()
    state = torch.load(trainer.checkpoint_path, weights_only=True)
    assert not any(name.startswith("_orig_mod") for name in state["model"])  # loadable without compile


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_path_uses_fused_adamw_tf32_and_pinned_copies(monkeypatch):
    seen = []
    precision = torch.get_float32_matmul_precision()
    args = TrainingArguments(batch_size=4, max_steps=3, learning_rate=1e-3, autocast="bf16",
                             progress_bar=False, device="cuda")
    trainer = Trainer(classifier(), args, classification_data(8))
    assert trainer.optim == "adamw_torch_fused" and trainer.optimizer.defaults["fused"]
    assert trainer.tf32 and trainer.pin_memory
    forward = trainer.model.forward
    monkeypatch.setattr(trainer.model, "forward",
                        lambda **batch: seen.append(torch.get_float32_matmul_precision()) or forward(**batch))
    history = trainer.train()
    assert seen == ["high"] * 3 and torch.get_float32_matmul_precision() == precision
    assert all(torch.isfinite(torch.tensor(r["loss"])) for r in history["train"])


class CrashingCollator(DataCollatorForPretraining):
    """Dies on its ``crash_at``-th batch, like a run killed in the middle of an update."""

    def __init__(self, tokenizer, crash_at: int | None):
        super().__init__(tokenizer, max_predictions_per_seq=5, seed=1)
        self.calls, self.crash_at = 0, crash_at

    def __call__(self, instances):
        self.calls += 1
        if self.calls == self.crash_at:
            raise RuntimeError("killed")
        return super().__call__(instances)


def pretraining_run(tokenizer, instances, output_dir, crash_at=None, resume=False):
    torch.manual_seed(123 if resume else 0)  # a resumed run takes every weight from the checkpoint
    model = BertForPreTraining(BertConfig(**TINY), sparse_prediction=True)
    args = TrainingArguments(output_dir=str(output_dir), batch_size=4, gradient_accumulation_steps=2,
                             max_steps=8, warmup_steps=2, learning_rate=1e-3, checkpoint_every=3,
                             eval_every=2, seed=7, progress_bar=False)
    eval_batch = DataCollatorForPretraining(tokenizer, max_predictions_per_seq=5, seed=99)(instances[:6])
    trainer = Trainer(model, args, instances, CrashingCollator(tokenizer, crash_at),
                      eval_fn=lambda m: {"eval_loss": m(**eval_batch).loss.item()})
    return trainer, trainer.train(resume=resume)


def test_resume_repeats_the_uninterrupted_loss_curve(tokenizer, instances, tmp_path):
    assert len(instances) < 8 * 2 * 4  # the run crosses epochs (each epoch with its own shuffle)
    straight, history = pretraining_run(tokenizer, instances, tmp_path / "straight")
    with pytest.raises(RuntimeError, match="killed"):  # 1st batch of update 5: last checkpoint at 3
        pretraining_run(tokenizer, instances, tmp_path / "resumed", crash_at=2 * 4 + 1)
    resumed, resumed_history = pretraining_run(tokenizer, instances, tmp_path / "resumed", resume=True)
    assert [r["loss"] for r in resumed_history["train"]] == [r["loss"] for r in history["train"]]
    assert ([(r["step"], r["eval_loss"]) for r in resumed_history["eval"]]
            == [(r["step"], r["eval_loss"]) for r in history["eval"]])
    assert resumed.step == 8 and (resumed.epoch, resumed.batch_index) == (straight.epoch, straight.batch_index)
    for p, q in zip(straight.model.parameters(), resumed.model.parameters()):
        assert torch.equal(p, q)


def test_resume_without_checkpoint_is_a_clear_error(tmp_path):
    trainer = Trainer(classifier(), TrainingArguments(output_dir=str(tmp_path), progress_bar=False),
                      classification_data())
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        trainer.train(resume=True)


def test_checkpoint_write_is_atomic(tmp_path, monkeypatch):
    args = TrainingArguments(output_dir=str(tmp_path), batch_size=4, max_steps=2, progress_bar=False)
    trainer = Trainer(classifier(), args, classification_data())
    trainer.train()
    saved = trainer.checkpoint_path.read_bytes()

    def dies_half_way(obj, file):
        file.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", dies_half_way)
    with pytest.raises(OSError, match="disk full"):
        trainer.save_checkpoint()
    assert trainer.checkpoint_path.read_bytes() == saved
    assert [p.name for p in trainer.checkpoint_path.parent.iterdir()] == [trainer.checkpoint_path.name]
    state = torch.load(trainer.checkpoint_path, weights_only=True)
    assert state["step"] == 2 and len(state["history"]["train"]) == 2


def test_max_minutes_stops_but_still_evaluates_and_saves(tmp_path):
    args = TrainingArguments(output_dir=str(tmp_path), batch_size=4, max_steps=1000, max_minutes=1e-9,
                             progress_bar=False)
    trainer = Trainer(classifier(), args, classification_data(), eval_fn=lambda m: {"metric": 1.0})
    history = trainer.train()
    assert trainer.stopped_early and trainer.step < 1000
    assert history["eval"][-1]["step"] == trainer.step and trainer.checkpoint_path.is_file()


def test_epochs_set_the_length_and_bad_arguments_are_errors():
    trainer = Trainer(classifier(), TrainingArguments(batch_size=3, num_train_epochs=2, progress_bar=False),
                      classification_data(8))
    assert trainer.max_steps == 6  # ceil(8 / 3) batches per epoch, two epochs
    for bad in ({"batch_size": 0}, {"max_steps": -5}, {"learning_rate": 0}, {"autocast": "fp16"},
                {"warmup_ratio": 1.5}, {"gradient_accumulation_steps": 1.5}, {"optim": "sgd"}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            TrainingArguments(**bad)
    with pytest.raises(ValueError, match="empty"):
        Trainer(classifier(), TrainingArguments(), [])


def test_divergence_stops_before_the_update_and_saves_no_nan_weights(tmp_path):
    args = TrainingArguments(output_dir=str(tmp_path), learning_rate=1e6, warmup_ratio=0.0, batch_size=4,
                             max_steps=50, checkpoint_every=1, progress_bar=False)
    trainer = Trainer(classifier(), args, classification_data())
    with pytest.raises(FloatingPointError, match=r"diverged at step 2: loss nan, gradient norm nan "
                                                 r"at learning rate 9.8e\+05; lower the learning rate"):
        trainer.train()
    assert trainer.step == 1  # the one finite update (to huge weights), checkpointed
    assert all(torch.isfinite(p).all() for p in trainer.model.parameters())
    state = torch.load(trainer.checkpoint_path, weights_only=True)
    assert state["step"] == trainer.step
    assert all(torch.isfinite(t).all() for t in state["model"].values())


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_a_non_finite_loss_stops_at_its_step(bad):
    trainer = Trainer(classifier(), TrainingArguments(batch_size=4, max_steps=5, progress_bar=False),
                      classification_data())
    forward = trainer.model.forward

    def poisoned(**batch):  # the third update's loss is not finite
        output = forward(**batch)
        output.loss = output.loss * (bad if trainer.step == 2 else 1.0)
        return output

    trainer.model.forward = poisoned
    before = [p.detach().clone() for p in trainer.model.parameters()]
    with pytest.raises(FloatingPointError, match=f"diverged at step 3: loss {bad}"):
        trainer.train()
    assert trainer.step == 2 and [r["step"] for r in trainer.history["train"]] == [1, 2]
    assert all(torch.isfinite(p).all() for p in trainer.model.parameters())
    assert any(not torch.equal(p, q) for p, q in zip(before, trainer.model.parameters()))
