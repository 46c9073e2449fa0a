"""The knobs of the training loop, checked once where they are made.

Pretraining (BERT paper appendix A.2) and fine-tuning (appendix A.3) run the same loop with other
numbers: learning rate, batch size, warmup, decay, length. ``TrainingArguments`` holds them under
Hugging Face's names and rejects impossible values (a negative batch, a learning rate that is not a
finite positive number) with an error that names the field, so every caller, the command line
included, gets the same checks.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

OPTIMIZERS = ("adamw_torch", "adamw_torch_fused")  # Hugging Face's names for the two AdamW kernels


@dataclass
class TrainingArguments:
    """The knobs of the loop. Names follow Hugging Face's ``TrainingArguments`` where one exists.

    ``max_steps`` (optimizer updates) sets the length of the schedule; without it the run lasts
    ``num_train_epochs`` passes. ``max_minutes`` stops early, after a final evaluation and checkpoint;
    the linear decay then ends at whichever comes first, ``max_steps`` or ``max_minutes``.
    One update sums the gradients of ``gradient_accumulation_steps`` batches of ``batch_size``.
    """

    output_dir: str | None = None        # where checkpoint/ goes; None: no checkpoints
    learning_rate: float = 5e-5
    weight_decay: float = 0.01
    adam_beta1: float = 0.9
    adam_beta2: float = 0.999
    adam_epsilon: float = 1e-8
    warmup_steps: int = 0
    warmup_ratio: float = 0.0            # used when warmup_steps is 0
    lr_scheduler_type: str = "linear"    # after warmup: "linear" decay to 0 at max_steps, or "constant"
    max_steps: int | None = None
    num_train_epochs: float = 1.0
    max_minutes: float | None = None
    batch_size: int = 32
    gradient_accumulation_steps: int = 1
    max_grad_norm: float | None = 1.0
    autocast: str | None = None          # None (float32) or "bf16"
    eval_every: int | None = None        # evaluate every N updates (and always at the end)
    checkpoint_every: int | None = None  # checkpoint every N updates (and always at the end)
    seed: int = 0
    progress_bar: bool = True
    device: str | None = None            # None: "cuda" when available, else "cpu"
    tf32: bool | None = None             # TF32 matmuls for float32 work; None: on when on CUDA
    optim: str | None = None             # "adamw_torch" or "adamw_torch_fused"; None: fused on CUDA
    dataloader_pin_memory: bool = True   # pinned host memory + non_blocking copies (CUDA only)
    dataloader_num_workers: int = 0      # processes collating batches ahead of the GPU (0: this one)
    torch_compile: bool = False          # torch.compile the model's training forward

    def __post_init__(self) -> None:
        for name in ("batch_size", "gradient_accumulation_steps", "max_steps", "eval_every",
                     "checkpoint_every"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        for name in ("learning_rate", "num_train_epochs", "max_minutes", "max_grad_norm", "adam_epsilon"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, (int, float)) and 0 < value < math.inf):
                raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in
                   (self.weight_decay, self.warmup_ratio, self.adam_beta1, self.adam_beta2)):
            raise ValueError("weight_decay, warmup_ratio, adam_beta1 and adam_beta2 must be finite numbers")
        if not (0 <= self.adam_beta1 < 1 and 0 <= self.adam_beta2 < 1):
            raise ValueError(f"adam_beta1 and adam_beta2 must be in [0, 1), got {self.adam_beta1}, {self.adam_beta2}")
        if self.weight_decay < 0 or self.warmup_steps < 0 or not 0 <= self.warmup_ratio < 1:
            raise ValueError("weight_decay and warmup_steps must be >= 0 and warmup_ratio in [0, 1), got "
                             f"{self.weight_decay}, {self.warmup_steps}, {self.warmup_ratio}")
        if not isinstance(self.dataloader_num_workers, int) or self.dataloader_num_workers < 0:
            raise ValueError(f"dataloader_num_workers must be an integer >= 0, got {self.dataloader_num_workers!r}")
        if self.lr_scheduler_type not in ("linear", "constant"):
            raise ValueError(f"lr_scheduler_type must be 'linear' or 'constant', got {self.lr_scheduler_type!r}")
        if self.autocast not in (None, "bf16"):
            raise ValueError(f"autocast must be None or 'bf16', got {self.autocast!r}")
        if self.optim not in (None,) + OPTIMIZERS:
            raise ValueError(f"optim must be None or one of {OPTIMIZERS}, got {self.optim!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
