# ruff: noqa: F811 (the fixtures imported from test_trainer are pytest arguments below)
"""Training batches collated in DataLoader workers: the same order as in the training process, the
same masks for the same seed, fresh masks each epoch, and a Trainer that trains and resumes with them."""

from __future__ import annotations

import pytest
import torch
from test_trainer import TINY, instances, tokenizer  # noqa: F401 (the tiny vocabulary and pairs, as fixtures)

from bertedu.batches import epoch_batches, epoch_order
from bertedu.config import BertConfig
from bertedu.pretraining.collator import DataCollatorForPretraining
from bertedu.pretraining.models import BertForPreTraining
from bertedu.trainer import Trainer, TrainingArguments


def rows(items: list[int]) -> dict[str, torch.Tensor]:
    return {"rows": torch.tensor(items)}  # (B,)


@pytest.mark.parametrize("workers", [0, 2])
def test_batches_follow_the_epochs_seeded_shuffle(workers):
    order = epoch_order(23, seed=5, epoch=1).tolist()
    batches = list(epoch_batches(list(range(23)), rows, 4, 6, seed=5, epoch=1, num_workers=workers))
    assert [b["rows"].tolist() for b in batches] == [order[i:i + 4] for i in range(0, 23, 4)]
    tail = list(epoch_batches(list(range(23)), rows, 4, 6, seed=5, epoch=1, start=4, num_workers=workers))
    assert [b["rows"].tolist() for b in tail] == [order[16:20], order[20:23]]
    assert epoch_order(23, 5, 2).tolist() != order  # every epoch its own shuffle


def test_worker_masks_repeat_for_the_seed_and_change_with_the_epoch(tokenizer, instances):
    collator = DataCollatorForPretraining(tokenizer, max_predictions_per_seq=5, seed=3)

    def masked_positions(epoch) -> dict[int, list[int]]:
        """Instance index -> its masked positions in that epoch."""
        order = epoch_order(len(instances), 3, epoch).tolist()
        batches = list(epoch_batches(instances, collator, 4, 3, seed=3, epoch=epoch, num_workers=2))
        labels = [row for batch in batches for row in batch["labels"]]   # (T,) each, in the epoch's order
        return {index: (row != -100).nonzero().flatten().tolist() for index, row in zip(order, labels)}

    first = masked_positions(0)
    assert first == masked_positions(0)          # the same seed and epoch: the same masks
    assert first != masked_positions(1)          # a new epoch: new masks for the same instances
    assert all(first.values())


def train(instances, tokenizer, output_dir, workers, resume=False, max_steps=6):
    torch.manual_seed(0)
    model = BertForPreTraining(BertConfig(**TINY), sparse_prediction=True)
    args = TrainingArguments(output_dir=str(output_dir), batch_size=4, max_steps=max_steps, learning_rate=1e-3,
                             checkpoint_every=3, seed=7, progress_bar=False, dataloader_num_workers=workers,
                             lr_scheduler_type="constant")  # a 3-update run is the first half of a 6-update one
    trainer = Trainer(model, args, instances, DataCollatorForPretraining(tokenizer, max_predictions_per_seq=5))
    return trainer, trainer.train(resume=resume)


def test_trainer_with_workers_trains_repeatably_and_resumes(tokenizer, instances, tmp_path):
    assert len(instances) < 6 * 4  # the run crosses an epoch
    first, history = train(instances, tokenizer, tmp_path / "a", workers=2)
    _, again = train(instances, tokenizer, tmp_path / "b", workers=2)
    losses = [r["loss"] for r in history["train"]]
    assert len(losses) == 6 and all(torch.isfinite(torch.tensor(losses)))
    assert losses == [r["loss"] for r in again["train"]]  # the same seed, the same numbers
    # resumed from update 3 (mid-epoch): the order continues where it stopped
    train(instances, tokenizer, tmp_path / "c", workers=2, max_steps=3)
    resumed, resumed_history = train(instances, tokenizer, tmp_path / "c", workers=2, resume=True)
    assert resumed.step == 6 and (resumed.epoch, resumed.batch_index) == (first.epoch, first.batch_index)
    assert [r["loss"] for r in resumed_history["train"]][:3] == losses[:3]


@pytest.mark.parametrize("bad", [-1, 1.5, "2"])
def test_bad_worker_counts_are_clear_errors(bad):
    with pytest.raises(ValueError, match="dataloader_num_workers must be an integer >= 0"):
        TrainingArguments(dataloader_num_workers=bad)
    with pytest.raises(ValueError, match="num_workers must be an integer >= 0"):
        epoch_batches([1, 2], rows, 1, 2, seed=0, epoch=0, num_workers=bad)
