"""The planted-marker first phase (``bertedu.pretraining.marker``): the text it writes, the pairs it
serves, when it ends, and that a resumed run stays in its phase."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from test_pretrain_cli import TINY_CONFIG, WORDS

from bertedu.config import BertConfig
from bertedu.labels import IGNORE_INDEX
from bertedu.pretraining.marker import MarkedDataset, MarkerPhase, marker_pieces, plant_marker
from bertedu.pretraining.run import prepare_pretraining_data, pretrain
from bertedu.tokenizer.bert import BertTokenizer
from bertedu.trainer import CHECKPOINT_FILE, TrainingArguments

MARKER = ["<", "unk", ">"]
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "<", ">", "unk", ".", "the", "##s",
         *WORDS, *(f"##{w}" for w in WORDS)]


def words_of(sentence):
    words = []
    for piece in sentence:
        if piece.startswith("##") and words:
            words[-1].append(piece)
        else:
            words.append([piece])
    return words


def test_a_word_of_several_pieces_is_replaced_whole_at_the_rate():
    documents = [[["the", "river", "##s", "##tone", "tree", "."]] for _ in range(200)]
    planted = [sentence for document in plant_marker(documents, MARKER, rate=0.3, seed=0) for sentence in document]
    assert all("##s" not in s or s[s.index("##s") - 1:s.index("##s") + 2] == ["river", "##s", "##tone"]
               for s in planted)
    assert all(len(s) == 6 + 2 * s.count("unk") - 2 * ("river" not in s) for s in planted)
    replaced = sum(sentence.count("unk") for sentence in planted)
    assert abs(replaced - 240) < 3 * 13  # 800 words at rate 0.3: binomial mean 240, sd 13
    assert replaced == 239  # and seed 0 pins the draws


def test_rate_zero_is_the_text_and_the_seed_fixes_the_draws():
    documents = [[["the", "river", "##s"], ["tree", "."]], [["bird"]]]
    assert plant_marker(documents, MARKER, 0.0) == documents
    assert plant_marker(documents * 50, MARKER, 0.5, seed=1) == plant_marker(documents * 50, MARKER, 0.5, seed=1)
    assert plant_marker(documents * 50, MARKER, 0.5, seed=1) != plant_marker(documents * 50, MARKER, 0.5, seed=2)


@given(st.lists(st.lists(st.sampled_from(["the", "river", "##s", "tree", "."]), min_size=1), min_size=1),
       st.floats(0.0, 0.99), st.integers(0, 10))
def test_planting_only_swaps_whole_words_for_the_marker(sentences, rate, seed):
    (planted,) = plant_marker([sentences], MARKER, rate, seed)
    for before, after in zip(sentences, planted, strict=True):
        expected_words, i = words_of(before), 0
        for word in expected_words:  # walk the planted sentence word by word
            if after[i:i + len(MARKER)] == MARKER and after[i:i + len(word)] != word:
                i += len(MARKER)
            else:
                assert after[i:i + len(word)] == word
                i += len(word)
        assert i == len(after)


def test_bad_rates_and_one_piece_markers_are_clear_errors():
    tokenizer = BertTokenizer({piece: index for index, piece in enumerate(VOCAB)})
    assert marker_pieces(tokenizer) == MARKER
    assert marker_pieces(tokenizer, "%unk") == ["[UNK]", "unk"]  # unknown characters: still a fixed pattern
    with pytest.raises(ValueError, match="at least two pieces"):
        marker_pieces(tokenizer, "tree")
    with pytest.raises(ValueError, match=r"marker rate must be in \[0, 1\)"):
        plant_marker([[["tree"]]], MARKER, 1.0)
    with pytest.raises(ValueError, match=r"fraction of the run must be in \(0, 1\]"):
        MarkerPhase(MarkedDataset([1], [2]), 0.0)


def corpus(num_documents=12, seed=0):
    rng = torch.Generator().manual_seed(seed)
    pick = lambda: WORDS[int(torch.randint(len(WORDS), (1,), generator=rng))]  # noqa: E731
    return [[f"the {pick()} {pick()} the {pick()} {pick()} ." for _ in range(5)] for _ in range(num_documents)]


def test_marked_pairs_serve_training_only_and_the_plain_pairs_are_unchanged():
    tokenizer, documents = BertTokenizer({piece: index for index, piece in enumerate(VOCAB)}), corpus()
    plain = prepare_pretraining_data(documents, tokenizer, 32, dupe_factor=2, progress_bar=False)
    marked = prepare_pretraining_data(documents, tokenizer, 32, dupe_factor=2, progress_bar=False, marker_rate=0.2)
    data = marked.train_dataset
    assert isinstance(data, MarkedDataset) and len(data) == len(plain.train_dataset)
    has_marker = lambda instance: "unk" in instance.tokens  # noqa: E731
    assert sum(map(has_marker, (data[i] for i in range(len(data))))) > len(data) // 2
    data.marking = False
    assert [data[i].tokens for i in range(len(data))] == [i.tokens for i in plain.train_dataset.instances]
    assert torch.equal(marked.train_token_counts, plain.train_token_counts)  # baselines from plain text
    for name in ("input_ids", "labels"):
        assert all(torch.equal(a[name], b[name]) for a, b in zip(marked.eval_batches, plain.eval_batches, strict=True))


class Record:
    """A callback after MarkerPhase: whether the dataset marks, after each update."""

    def __init__(self, dataset):
        self.dataset, self.marking = dataset, []

    def on_step_end(self, trainer):
        self.marking.append(self.dataset.marking)

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass


def test_the_phase_ends_at_its_fraction_of_the_updates_and_a_resumed_trainer_stays_ended(tmp_path):
    from bertedu.trainer import Trainer

    tokenizer = BertTokenizer({piece: index for index, piece in enumerate(VOCAB)})
    config = BertConfig(vocab_size=len(VOCAB), **TINY_CONFIG)
    args = TrainingArguments(output_dir=str(tmp_path), max_steps=6, batch_size=4, learning_rate=1e-3,
                             checkpoint_every=2, progress_bar=False)
    model, trainer = pretrain(corpus(), tokenizer, config, args, 32, marker_rate=0.2, marker_fraction=0.5,
                              dupe_factor=1)
    (phase,) = trainer.callbacks
    assert phase.end_step == 3 and not phase.dataset.marking  # 3 of 6 updates
    state = torch.load(tmp_path / "checkpoint" / CHECKPOINT_FILE, weights_only=True)
    assert state["callbacks"] == [{"end_step": 3}]
    arguments = (tmp_path / "training_args.json").read_text()
    assert '"marker_end_step": 3' in arguments and '"marker_rate": 0.2' in arguments
    # a new trainer whose phase has not ended yet loads the checkpoint: the phase is over, at update 3
    data = prepare_pretraining_data(corpus(), tokenizer, 32, dupe_factor=1, progress_bar=False, marker_rate=0.2)
    fresh = MarkerPhase(data.train_dataset, 0.5)
    assert data.train_dataset.marking and fresh.end_step is None
    resumed = Trainer(model, args, data.train_dataset, data.data_collator, callbacks=[fresh])
    resumed.load_checkpoint()
    assert (resumed.step, fresh.end_step, data.train_dataset.marking) == (6, 3, False)


@pytest.mark.parametrize("num_workers", [0, 1])
def test_training_reads_the_marked_pairs_until_the_phase_ends(num_workers):
    from bertedu.pretraining.models import BertForPreTraining
    from bertedu.trainer import Trainer

    tokenizer = BertTokenizer({piece: index for index, piece in enumerate(VOCAB)})
    data = prepare_pretraining_data(corpus(), tokenizer, 32, dupe_factor=1, progress_bar=False, marker_rate=0.3)
    unk = VOCAB.index("unk")

    class Recording(BertForPreTraining):  # which batches reached the model with a marker in them
        seen: list = []

        def forward(self, **batch):  # a marker piece left as it was, or one that is a label (the 10 % random
            unchosen = batch["labels"] == IGNORE_INDEX  # replacements can write "unk" into plain text too)
            self.seen.append(bool(((batch["input_ids"] == unk) & unchosen | (batch["labels"] == unk)).any()))
            return super().forward(**batch)

    model = Recording(BertConfig(vocab_size=len(VOCAB), **TINY_CONFIG), sparse_prediction=True)
    args = TrainingArguments(max_steps=8, batch_size=4, progress_bar=False, dataloader_num_workers=num_workers)
    phase = MarkerPhase(data.train_dataset, 0.25)
    record = Record(data.train_dataset)
    Trainer(model, args, data.train_dataset, data.data_collator, callbacks=[phase, record]).train()
    assert record.marking == [True, False, False, False, False, False, False, False]
    # batches 1-2 marked, 3-8 plain (with workers: the batches they made ahead are dropped at the switch)
    assert model.seen == [True, True, False, False, False, False, False, False]
