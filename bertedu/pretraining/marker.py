"""A planted marker: a first phase that moves a small BERT off the unigram plateau sooner.

Not in the BERT paper: our own finding (``benchmarks/pretraining_ablation.md``, seventh session).
A small BERT first learns word frequencies, answering "the" or "," at every [MASK] (the unigram
plateau), and only later learns to read the context; in a few CPU minutes it may never get there.
Here, for the first part of the run (``fraction`` of it), a random ``rate`` of the training words
are written as one fixed marker, ``<unk>`` by default: a few WordPieces (``<`` ``unk`` ``>`` with a
vocabulary that has them) that give each other away. A masked piece of the marker is answered by
looking at its neighbours, a lookup that a few hundred updates learn; attention that has learned
to look next door then reads ordinary context too. After the phase the pairs cut from the plain
text are used; held-out pairs never have markers. Measured with ``python -m bertedu pretrain`` on
WikiText-2 in 5 CPU minutes at length 64 (BERT-tiny, 2 seeds): 17.6 and 18.7 % at held-out [MASK]s
with the marker, 6.5 and 6.4 % without, 6.05 % for always "the" (``benchmarks/cli_five_minutes.py``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from torch.utils.data import Dataset

from .instances import TrainingInstance
from .masking import word_groups

MARKER = "<unk>"
MARKER_RATE, MARKER_FRACTION = 0.15, 1 / 3  # the CLI's defaults, measured in the ablation


def check_marker_settings(rate: float, fraction: float = MARKER_FRACTION) -> None:
    """The share of the words marked must be in [0, 1), the phase's share of the run in (0, 1]."""
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"the marker rate must be in [0, 1) (the share of words replaced), got {rate}")
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"the marker phase's fraction of the run must be in (0, 1], got {fraction}")


def marker_pieces(tokenizer, marker: str = MARKER) -> list[str]:
    """The marker as the vocabulary's WordPieces (characters it lacks become its [UNK]: still one
    fixed pattern). A marker must be at least two pieces: one piece alone gives nothing away."""
    pieces = tokenizer.tokenize(marker)
    if len(pieces) < 2:
        raise ValueError(f"the marker {marker!r} is {len(pieces)} WordPiece(s) ({pieces}) with this "
                         "vocabulary; choose one of at least two pieces, e.g. '<unk>'")
    return pieces


def plant_marker(documents: Sequence[Sequence[Sequence[str]]], pieces: Sequence[str], rate: float,
                 seed: int = 0) -> list[list[list[str]]]:
    """Documents of WordPiece sentences with each word (a piece and the ``##`` pieces after it)
    replaced by ``pieces`` with probability ``rate``, drawn from ``random.Random(seed)``."""
    check_marker_settings(rate)
    rng = random.Random(seed)
    planted = []
    for document in documents:
        sentences = []
        for sentence in document:
            words = [[sentence[index] for index in group] for group in word_groups(sentence)]
            sentences.append([piece for word in words for piece in (pieces if rng.random() < rate else word)])
        planted.append(sentences)
    return planted


class MarkedDataset(Dataset):
    """The training pairs, served from ``marked`` (pairs cut from the marked text) while
    ``marking`` is on, from ``plain`` after. Its length is ``plain``'s, so the epochs, the
    shuffles and a resumed position do not depend on the phase."""

    def __init__(self, plain: Sequence[TrainingInstance], marked: Sequence[TrainingInstance]):
        if len(marked) == 0:
            raise ValueError("the marked text gave no training pairs")
        self.plain, self.marked, self.marking = plain, marked, True

    def __len__(self) -> int:
        return len(self.plain)

    def __getitem__(self, index: int) -> TrainingInstance:
        return self.marked[index % len(self.marked)] if self.marking else self.plain[index]


class MarkerPhase:
    """A Trainer callback: ends the marked phase once ``fraction`` of the run is done (of its
    updates, or of ``max_minutes`` when the clock ends the run). The update at which it ended is
    part of the checkpoint, so a resumed run stays in the phase it was in."""

    def __init__(self, dataset: MarkedDataset, fraction: float):
        check_marker_settings(0.0, fraction)
        self.dataset, self.fraction, self.end_step = dataset, fraction, None

    def on_step_end(self, trainer) -> None:
        done = max(trainer.step / trainer.max_steps, 1.0 - trainer.time_left())  # of updates, or of minutes
        if self.end_step is None and done >= self.fraction:
            self.end_step, self.dataset.marking = trainer.step, False
            trainer.restart_batches()  # the batches made ahead (workers) came from the marked pairs

    def state_dict(self) -> dict:
        return {"end_step": self.end_step}

    def load_state_dict(self, state: dict) -> None:
        self.end_step = state["end_step"]
        self.dataset.marking = self.end_step is None
