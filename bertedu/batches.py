"""Training batches: each epoch's seeded shuffle of the dataset, cut into batches and collated.

The collator does real work for pretraining (it masks every pair afresh, paper section 3.1 with
RoBERTa's dynamic masks), in Python. On a CPU that work and the training step share the cores, so
it runs in the training process. On a GPU it would leave the accelerator idle while the next batch
is prepared, so ``num_workers`` > 0 moves it into that many DataLoader worker processes, which
prepare the next batches while the GPU trains on this one.

The order is the same either way: epoch ``e`` visits the dataset in ``torch.randperm`` drawn from
``seed + e``. The masks are the same for the same ``seed`` and ``num_workers``: in the training
process the collator draws from its own stream; each worker draws from a stream seeded by the
worker seed that the epoch's DataLoader takes from ``seed + e`` (see the collator's
``_masking_rng``). A run resumed in the middle of an epoch with workers keeps the order but draws
its later masks afresh (workers restart their streams), so it is not bit-identical to an
uninterrupted run; without workers it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import torch
from torch.utils.data import DataLoader, Dataset


def epoch_order(dataset_size: int, seed: int, epoch: int) -> torch.Tensor:
    """(dataset_size,) the shuffle of epoch ``epoch``: a permutation drawn from ``seed + epoch``."""
    generator = torch.Generator().manual_seed(seed + epoch)
    return torch.randperm(dataset_size, generator=generator)


class CollatedBatches(Dataset):
    """Item ``i`` is batch ``i``: the collator applied to the dataset rows ``batches[i]``."""

    def __init__(self, dataset: Sequence, collator: Callable[[list], dict[str, torch.Tensor]],
                 batches: Sequence[Sequence[int]]):
        self.dataset, self.collator, self.batches = dataset, collator, batches

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return self.collator([self.dataset[i] for i in self.batches[index]])


def epoch_batches(dataset: Sequence, collator: Callable[[list], dict[str, torch.Tensor]], batch_size: int,
                  batches_per_epoch: int, seed: int, epoch: int, start: int = 0, num_workers: int = 0,
                  ) -> Iterator[dict[str, torch.Tensor]]:
    """The collated batches ``start, start + 1, ...`` of epoch ``epoch`` (``batches_per_epoch`` in all).

    ``num_workers`` > 0 collates them in that many worker processes, a few batches ahead.
    """
    if not isinstance(num_workers, int) or num_workers < 0:
        raise ValueError(f"num_workers must be an integer >= 0, got {num_workers!r}")
    order = epoch_order(len(dataset), seed, epoch).tolist()
    batches = [order[index * batch_size:(index + 1) * batch_size] for index in range(start, batches_per_epoch)]
    collated = CollatedBatches(dataset, collator, batches)
    if num_workers == 0:
        return (collated[index] for index in range(len(collated)))
    loader = DataLoader(collated, batch_size=None, shuffle=False, num_workers=num_workers, prefetch_factor=4,
                        generator=torch.Generator().manual_seed(seed + epoch))
    return iter(loader)
