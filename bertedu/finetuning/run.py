"""Fine-tuning: a pretrained BERT checkpoint and a task's examples in, a fine-tuned checkpoint out.

Section 3.2 of the BERT paper: "For each task, we simply plug in the task-specific inputs and
outputs into BERT and fine-tune all the parameters end-to-end." The checkpoint folder gives the
encoder and its vocabulary; the task (``bertedu.finetuning.tasks``, ``bertedu.finetuning.squad_task``)
gives a new, randomly initialised head, the data and the metric; the generic ``Trainer`` runs AdamW
with linear warmup over the first 10 % of the updates and linear decay. Appendix A.3: "most model
hyperparameters are the same as in pre-training, with the exception of the batch size, learning
rate, and number of training epochs", chosen from batch size 16 or 32, learning rate 5e-5, 3e-5 or
2e-5, and 2 to 4 epochs. The output folder loads in bertedu and in ``transformers``.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .. import distributed, hf
from ..course import set_seed
from ..files import json_text, write_files
from ..plots import plot_learning_curves
from ..tokenizer.bert import CONFIG_NAME as TOKENIZER_CONFIG_NAME
from ..tokenizer.bert import TOKENIZER_JSON_NAME, VOCAB_NAME
from ..tokenizer.fast import BertTokenizerFast
from ..trainer import Trainer, TrainingArguments
from .polarity import PolarityTask
from .squad_task import SquadTask
from .tasks import ConllTask, Sst2Task, Task, collate

TASKS: dict[str, type[Task]] = {task.name: task for task in (Sst2Task, PolarityTask, ConllTask, SquadTask)}


def get_task(task: str | Task, **options: Any) -> Task:
    """A task by name ("sst2", "polarity", "conll", "squad") built with ``options`` (e.g. ``max_length=64``,
    ``doc_stride=32`` for SQuAD), or the task itself (then without options)."""
    if isinstance(task, Task):
        if options:
            raise ValueError(f"options {sorted(options)} are for a task name; {task!r} is already built")
        return task
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of {', '.join(TASKS)}")
    fields = {field.name for field in dataclasses.fields(TASKS[task])}
    unknown = sorted(set(options) - fields)
    if unknown:
        raise ValueError(f"{task} has no option {', '.join(unknown)}; its options are {', '.join(sorted(fields))}")
    return TASKS[task](**options)


def finetuning_arguments(**overrides: Any) -> TrainingArguments:
    """The paper's fine-tuning recipe (appendix A.3 and the released code): AdamW, learning rate
    5e-5, batch size 32, 3 epochs, warmup over the first 10 % of the updates then linear decay,
    weight decay 0.01, gradient norm clipped to 1. Small models often want a larger rate (~1e-4)."""
    defaults = {"learning_rate": 5e-5, "batch_size": 32, "num_train_epochs": 3.0, "warmup_ratio": 0.1,
                    "weight_decay": 0.01}
    return TrainingArguments(**{**defaults, **overrides})


def load_tokenizer(model_dir: str | os.PathLike) -> BertTokenizerFast:
    """The checkpoint's own tokenizer: its vocab.txt (or tokenizer.json) and tokenizer_config.json."""
    folder = Path(model_dir)
    if not (folder / VOCAB_NAME).is_file() and not (folder / TOKENIZER_JSON_NAME).is_file():
        raise FileNotFoundError(
            f"{folder} has no {VOCAB_NAME}: a checkpoint is fine-tuned with the vocabulary it was "
            f"pretrained with; copy that vocab.txt (and {TOKENIZER_CONFIG_NAME}) into the folder")
    return BertTokenizerFast.from_pretrained(folder)


def load_model(task: str | Task, model_dir: str | os.PathLike, pretrained: bool = True,
               model_class: type[nn.Module] | None = None) -> tuple[nn.Module, hf.LoadingInfo]:
    """The task's model (encoder + head) with the task's labels, from a checkpoint folder with or
    without a head. ``pretrained=False``: the same architecture with random weights (the baseline
    that shows what pretraining buys). The info says which weights are new and which were unused.
    ``model_class`` replaces the task's BERT class, e.g. ``DistilBertForSequenceClassification``
    for a student made by ``python -m bertedu distill``."""
    task = get_task(task)
    model_class = model_class or task.model_class
    labels = {} if task.id2label is None else {"id2label": task.id2label}
    if not pretrained:
        model = model_class(hf.load_config(model_dir, model_class.config_class, **labels))
        return model, hf.LoadingInfo(missing_keys=list(model.state_dict()))
    with warnings.catch_warnings():  # loading_report says the same in one line
        warnings.simplefilter("ignore", UserWarning)
        model, info = model_class.from_pretrained(model_dir, output_loading_info=True, **labels)
    return model.train(), info


def loading_report(info: hf.LoadingInfo) -> str:
    """One line: the weights newly initialised (the head) and the checkpoint's unused parts."""
    def modules(names: list[str]) -> str:
        groups = sorted({".".join(name.split(".")[:2]) for name in names})
        return ", ".join(groups) + f" ({len(names)} tensors)"

    encoders = ("bert.", "distilbert.", "roberta.", "albert.")
    if info.missing_keys and all(not name.startswith(encoders) for name in info.missing_keys):
        text = f"new head, randomly initialised: {modules(info.missing_keys)}"
    elif info.missing_keys:
        text = f"randomly initialised: {modules(info.missing_keys)}"
    else:
        text = "every weight loaded from the checkpoint"
    if info.unexpected_keys:
        text += f"; not used from the checkpoint: {modules(info.unexpected_keys)}"
    return text


@dataclass
class FinetuningResult:
    """What ``finetune`` made: the trained model, its tokenizer, the final held-out metrics, the
    Trainer's history (``{"train": [...], "eval": [...]}``), what the load reported, and the number
    of training rows (sentences; for SQuAD, windows over the contexts)."""

    task: Task
    model: nn.Module
    tokenizer: BertTokenizerFast
    metrics: dict[str, float]
    history: dict[str, list[dict[str, float]]]
    loading_info: hf.LoadingInfo
    train_size: int


def finetune(task: str | Task, model_dir: str | os.PathLike, train_examples: Sequence,
             eval_examples: Sequence | None = None, args: TrainingArguments | None = None,
             max_length: int | None = None, pretrained: bool = True,
             model_class: type[nn.Module] | None = None) -> FinetuningResult:
    """Fine-tune the checkpoint in ``model_dir`` on ``train_examples`` (as ``task.read`` returns
    them) and evaluate on ``eval_examples`` (every ``args.eval_every`` updates and at the end;
    without eval examples the final metrics are on the training examples). ``args`` default to
    ``finetuning_arguments()``; with ``args.output_dir`` the result is saved there
    (``save_finetuning_output``). No resumable state is written: fine-tuning runs are short.
    ``model_class``: as in ``load_model`` (default: the task's BERT class)."""
    task = get_task(task)
    args = args or finetuning_arguments()
    if not train_examples:
        raise ValueError("train_examples is empty: nothing to fine-tune on")
    tokenizer = load_tokenizer(model_dir)
    config = hf.load_config(model_dir, (model_class or task.model_class).config_class)
    max_length = max_length or task.max_length
    if max_length > config.max_position_embeddings:
        raise ValueError(f"max_length {max_length} exceeds the checkpoint's max_position_embeddings "
                         f"({config.max_position_embeddings})")
    if len(tokenizer) > config.vocab_size:
        raise ValueError(f"{model_dir}: vocab.txt has {len(tokenizer)} tokens but the model only "
                         f"{config.vocab_size} embeddings: the folder mixes two checkpoints")
    train_data = task.encode(train_examples, tokenizer, max_length)
    eval_data = task.encode(eval_examples, tokenizer, max_length) if eval_examples else None
    set_seed(args.seed)  # the new head's initial weights
    model, info = load_model(task, model_dir, pretrained, model_class)
    eval_fn = None if eval_data is None else (lambda m: task.evaluate(m, eval_data))
    trainer = Trainer(model, replace(args, output_dir=None), train_data, collate, eval_fn)
    trainer.train()
    metrics = trainer.history["eval"][-1] if eval_data is not None else {
        "step": trainer.step, "train_seconds": trainer.train_seconds, **task.evaluate(model, train_data)}
    result = FinetuningResult(task, model, tokenizer, dict(metrics), trainer.history, info, len(train_data))
    if args.output_dir is not None and distributed.is_main_process():  # under torchrun: rank 0 writes
        arguments = {"task": task.name, "model": str(model_dir), "pretrained": pretrained,
                     "model_class": (model_class or task.model_class).__name__,
                     "max_length": max_length, "train_examples": len(train_examples),
                     "eval_examples": len(eval_examples or []), **args.to_dict()}
        save_finetuning_output(result, args.output_dir, arguments)
    return result


def save_finetuning_output(result: FinetuningResult, output_dir: str | os.PathLike,
                           arguments: dict[str, Any]) -> None:
    """The fine-tuned folder: config.json (with id2label) and model.safetensors, vocab.txt and
    tokenizer_config.json, metrics.json, history.json, training_args.json and learning_curve.png."""
    folder = Path(output_dir)
    result.model.save_pretrained(folder)
    result.tokenizer.save_pretrained(folder)
    write_files({folder / "metrics.json": json_text(result.metrics), folder / "history.json": json_text(result.history),
                 folder / "training_args.json": json_text(arguments)})
    metric = result.task.metrics[-1]
    plot_learning_curves({result.task.name: result.history}, metric, folder / "learning_curve.png")


def confusion_matrix(predictions: Sequence[int] | torch.Tensor, labels: Sequence[int] | torch.Tensor,
                     num_labels: int) -> torch.Tensor:
    """(num_labels, num_labels) counts: row = the true class, column = the predicted class."""
    predictions, labels = torch.as_tensor(predictions), torch.as_tensor(labels)
    if predictions.shape != labels.shape:
        raise ValueError(f"predictions {tuple(predictions.shape)} and labels {tuple(labels.shape)} differ in shape")
    if len(labels) and (int(torch.cat([predictions, labels]).min()) < 0
                        or int(torch.cat([predictions, labels]).max()) >= num_labels):
        raise ValueError(f"class ids must be in [0, {num_labels})")
    return torch.bincount(labels * num_labels + predictions, minlength=num_labels ** 2).view(num_labels, num_labels)
