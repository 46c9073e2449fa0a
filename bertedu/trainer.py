"""The training loop: AdamW, linear warmup then decay, gradient clipping, resumable checkpoints.

BERT's paper, appendix A.2: "We use Adam with learning rate of 1e-4, beta1 = 0.9, beta2 = 0.999, L2
weight decay of 0.01, learning rate warmup over the first 10,000 steps, and linear decay of the
learning rate." The released code decays no biases and no LayerNorm parameters and clips the gradient
norm to 1.0. This loop does the same for any model whose ``model(**batch).loss`` is the loss, so
pretraining and fine-tuning share it. A checkpoint holds everything the next step depends on (weights,
optimizer moments, schedule, RNG states, the position in the data), so a run that is stopped and
resumed draws the same batches and traces the same loss curve as one that never stopped (``training_state``).

On a GPU the loop also uses what makes it fast there (the CPU path and its numbers do not change):
bf16 autocast when asked (``autocast="bf16"``), TF32 tensor-core matmuls for what stays in float32
(``tf32``; set when ``train()`` starts and restored when it returns, so importing or building a Trainer
changes no process state), the fused single-kernel AdamW (``optim="adamw_torch_fused"``, the default on
CUDA), batches copied from pinned memory without blocking (``dataloader_pin_memory``), and optionally
``torch.compile`` (``torch_compile=True``; checkpoints keep the plain model's parameter names). Under
``torchrun`` it trains data-parallel (``distributed``): each rank its rows of every global batch.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import default_collate
from tqdm.auto import tqdm

from . import distributed
from .batches import epoch_batches
from .inference import eval_mode
from .optimization import linear_schedule_with_warmup, param_groups
from .training_args import TrainingArguments
from .training_state import load_state, rng_states, save_state, set_rng_states

CHECKPOINT_FILE = "checkpoint.pt"


class Trainer:
    """Trains ``model`` on ``train_dataset`` batched by ``data_collator``; evaluates with ``eval_fn``.

    Each epoch visits the dataset in a fresh order drawn from ``seed + epoch``. ``eval_fn(model)``
    returns a dict of metrics; the trainer calls it in eval mode without gradients. If the collator
    draws random numbers from its own ``rng`` (dynamic masking does), its state is checkpointed too.
    ``history`` is ``{"train": [{step, loss, learning_rate, grad_norm, epoch}], "eval": [{step,
    train_seconds, **metrics}]}``. ``callbacks`` have ``on_step_end(trainer)``, called after every
    update, and a ``state_dict`` kept in the checkpoint. Fine-tuning as in the paper's section 4::

        args = TrainingArguments(output_dir="runs/sst2", learning_rate=2e-5, num_train_epochs=3,
                                 warmup_ratio=0.1, eval_every=500)
        history = Trainer(model, args, features, collate, eval_fn=dev_accuracy).train()
    """

    def __init__(self, model: nn.Module, args: TrainingArguments, train_dataset: Sequence,
                 data_collator: Callable[[list], dict[str, torch.Tensor]] | None = None,
                 eval_fn: Callable[[nn.Module], dict[str, float]] | None = None, callbacks: Sequence = ()):
        if len(train_dataset) == 0:
            raise ValueError("train_dataset is empty: nothing to train on")
        self.args = args
        self.device = distributed.initialize() or torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.model = model.to(self.device)
        self.train_dataset, self.data_collator, self.eval_fn = train_dataset, data_collator or default_collate, eval_fn
        self.callbacks = list(callbacks)
        self.batches_per_epoch = distributed.batches_per_epoch(len(train_dataset), args.batch_size)
        self.max_steps = args.max_steps or math.ceil(
            args.num_train_epochs * self.batches_per_epoch / args.gradient_accumulation_steps)
        warmup = args.warmup_steps or math.ceil(args.warmup_ratio * self.max_steps)
        on_cuda = self.device.type == "cuda"
        self.optim = args.optim or ("adamw_torch_fused" if on_cuda else "adamw_torch")
        self.tf32 = on_cuda if args.tf32 is None else args.tf32
        self.pin_memory = on_cuda and args.dataloader_pin_memory
        # fused=True: one kernel updates all parameters (CUDA; CPU since torch 2.4). None: torch's default.
        fused = True if self.optim == "adamw_torch_fused" else None
        self.optimizer = torch.optim.AdamW(
            param_groups(model, args.weight_decay), lr=args.learning_rate,
            betas=(args.adam_beta1, args.adam_beta2), eps=args.adam_epsilon, fused=fused)
        # DDP and compile share the parameters: self.model's state_dict names (checkpoints) stay plain
        self.ddp = nn.parallel.DistributedDataParallel(self.model) if distributed.world_size() > 1 else None
        self.train_model = torch.compile(self.ddp or self.model) if args.torch_compile else self.ddp or self.model
        self._start: float | None = None  # when train() began, for the time budget
        clock = args.max_minutes is not None  # the schedule also follows the time budget
        self.scheduler = linear_schedule_with_warmup(
            self.optimizer, warmup, self.max_steps, args.lr_scheduler_type == "linear", self.time_left if clock else None,
            warmup_time=args.warmup_ratio if clock and not args.warmup_steps else 0.0)
        self.step, self.epoch, self.batch_index = 0, 0, 0  # next batch: self.batch_index of self.epoch
        self._batches: tuple[int, Iterator[dict[str, torch.Tensor]]] = (-1, iter(()))  # (epoch, its batches)
        self.train_seconds, self.stopped_early = 0.0, False
        self.history: dict[str, list[dict[str, float]]] = {"train": [], "eval": []}
        torch.manual_seed(args.seed)  # dropout draws from torch's global generator

    def time_left(self) -> float:
        """The share of ``max_minutes`` not yet spent by this ``train()`` call (1.0 before it)."""
        if self.args.max_minutes is None or self._start is None:
            return 1.0
        elapsed = distributed.broadcast_from_main(time.monotonic() - self._start)  # rank 0's: one lr, one stop
        return 1.0 - elapsed / (60 * self.args.max_minutes)

    def restart_batches(self) -> None:
        """Make the next batches afresh from the current position (the dataset has changed)."""
        self._batches = (-1, iter(()))

    @property
    def checkpoint_path(self) -> Path | None:
        return Path(self.args.output_dir) / "checkpoint" / CHECKPOINT_FILE if self.args.output_dir else None

    def next_batch(self) -> dict[str, torch.Tensor]:
        """The next batch of the epoch's seeded shuffle (a new epoch starts a new shuffle)."""
        if self.batch_index == self.batches_per_epoch:
            self.epoch, self.batch_index = self.epoch + 1, 0
        if self._batches[0] != self.epoch:  # every rank masks the whole global batch (one stream)
            self._batches = (self.epoch, epoch_batches(
                self.train_dataset, self.data_collator, self.args.batch_size * distributed.world_size(),
                self.batches_per_epoch, self.args.seed, self.epoch, self.batch_index,
                self.args.dataloader_num_workers))
        self.batch_index += 1
        batch = distributed.rows_of_this_rank(next(self._batches[1]), self.args.batch_size)  # this rank's rows
        # page-locked (pinned) memory lets the copy run asynchronously, next to the GPU's work
        return {name: (tensor.pin_memory() if self.pin_memory else tensor).to(self.device, non_blocking=self.pin_memory)
                for name, tensor in batch.items()}

    def autocast(self) -> contextlib.AbstractContextManager:
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.args.autocast == "bf16")

    @contextlib.contextmanager
    def matmul_precision(self) -> Iterator[None]:
        """TF32 for float32 matmuls while training on CUDA (10-bit mantissa inputs, float32 sums);
        the process's previous setting is restored afterwards."""
        previous = torch.get_float32_matmul_precision()
        if self.tf32 and self.device.type == "cuda":
            torch.set_float32_matmul_precision("high")
        try:
            yield
        finally:
            torch.set_float32_matmul_precision(previous)

    def accumulate_gradients(self, batches: list[dict[str, torch.Tensor]]) -> float:
        """Backpropagate the mean loss of ``batches``; return it (under DDP, its mean over ranks)."""
        losses = []
        for index, batch in enumerate(batches):
            inner = self.ddp is not None and index < len(batches) - 1  # DDP averages gradients after the last
            with self.ddp.no_sync() if inner else contextlib.nullcontext(), self.autocast():
                loss = self.train_model(**batch).loss / len(batches)
            loss.backward()
            losses.append(loss.detach())
        # read back after every backward is queued: one wait for the GPU, not one each
        return distributed.all_reduce_mean(sum(loss.item() for loss in losses))

    def clip_gradients(self) -> float:
        """Scale the gradients to norm ``max_grad_norm`` if larger; return the norm before clipping."""
        parameters = [p for p in self.model.parameters() if p.grad is not None]
        if self.args.max_grad_norm is None:
            return float(torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in parameters])))
        return float(nn.utils.clip_grad_norm_(parameters, self.args.max_grad_norm))

    def training_step(self) -> dict[str, float]:
        learning_rate = self.scheduler.get_last_lr()[0]
        batches = [self.next_batch() for _ in range(self.args.gradient_accumulation_steps)]
        loss = self.accumulate_gradients(batches)
        grad_norm = self.clip_gradients()
        if not (math.isfinite(loss) and math.isfinite(grad_norm)):  # before the update: weights stay finite
            raise FloatingPointError(f"training diverged at step {self.step + 1}: loss {loss}, gradient norm "
                                     f"{grad_norm} at learning rate {learning_rate:.3g}; lower the learning rate")
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.step += 1
        return {"step": self.step, "loss": loss, "learning_rate": learning_rate,
                "grad_norm": float(grad_norm), "epoch": self.epoch + self.batch_index / self.batches_per_epoch}

    def evaluate(self) -> dict[str, float]:
        if self.eval_fn is None:
            return {}
        record = {"step": self.step, "train_seconds": self.train_seconds}
        if distributed.is_main_process():  # rank 0 evaluates, the others record the step and wait
            with eval_mode(self.model), self.autocast():
                record.update(self.eval_fn(self.model))
        distributed.barrier()
        self.history["eval"].append(record)
        return record

    def train(self, resume: bool = False) -> dict[str, list[dict[str, float]]]:
        """Run until ``max_steps`` (or ``max_minutes``); evaluate and checkpoint at the end.

        A loss or gradient norm that is not finite (divergence) raises ``FloatingPointError`` before
        the update, so no checkpoint ever holds NaN weights."""
        with self.matmul_precision():
            return self._train(resume)

    def _train(self, resume: bool) -> dict[str, list[dict[str, float]]]:
        if resume:
            self.load_checkpoint()
        self._start = time.monotonic()
        self.model.train()
        bar = tqdm(total=self.max_steps, initial=self.step, desc="training",
                   disable=not (self.args.progress_bar and distributed.is_main_process()))
        while self.step < self.max_steps:
            if self.args.max_minutes is not None and self.time_left() < 0:
                self.stopped_early = True
                break
            step_start = time.monotonic()
            record = self.training_step()
            self.train_seconds += time.monotonic() - step_start
            self.history["train"].append(record)
            for callback in self.callbacks:
                callback.on_step_end(self)
            bar.update(1)
            bar.set_postfix(loss=f"{record['loss']:.3f}", lr=f"{record['learning_rate']:.2e}")
            if self.args.eval_every and self.step % self.args.eval_every == 0:
                record = self.evaluate()
                if distributed.is_main_process():
                    bar.write("  ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in record.items()))
            if self.args.checkpoint_every and self.step % self.args.checkpoint_every == 0:
                self.save_checkpoint()
        bar.close()
        if self.eval_fn is not None and (not self.history["eval"] or self.history["eval"][-1]["step"] != self.step):
            self.evaluate()
        self.save_checkpoint()
        return self.history

    def save_checkpoint(self) -> None:
        """Write everything the next update depends on to ``output_dir/checkpoint/``, atomically (rank 0)."""
        if self.checkpoint_path is not None and distributed.is_main_process():
            save_state({"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                        "scheduler": self.scheduler.state_dict(), "step": self.step, "epoch": self.epoch,
                        "batch_index": self.batch_index, "train_seconds": self.train_seconds, "history": self.history,
                        "epoch_instances": self.batch_index * self.args.batch_size * distributed.world_size(),
                        "args": self.args.to_dict(), "rng": rng_states(self.data_collator),
                        "callbacks": [callback.state_dict() for callback in self.callbacks]}, self.checkpoint_path)
        distributed.barrier()

    def load_checkpoint(self) -> None:
        if self.checkpoint_path is None:
            raise ValueError("resuming needs TrainingArguments.output_dir, the folder of the checkpoint")
        state = load_state(self.checkpoint_path, self.device)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.step, self.epoch = state["step"], state["epoch"]  # the position, for any world size:
        self.batch_index = distributed.resume_position(state.get("epoch_instances", state["batch_index"] * state["args"]["batch_size"]), self.args.batch_size)
        self.train_seconds, self.history = state["train_seconds"], state["history"]
        set_rng_states(state["rng"], self.data_collator)
        for callback, callback_state in zip(self.callbacks, state.get("callbacks", []), strict=False):
            callback.load_state_dict(callback_state)
        self.restart_batches()  # the epoch's batches restart at the loaded position
