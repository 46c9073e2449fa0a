"""MLM masking rules (BERT section 3.1 Task #1, appendix A.1; create_pretraining_data.py), static
and dynamic, pinned statistically with fixed seeds and stated tolerances."""

from __future__ import annotations

import hashlib
import random

import pytest
import torch

from bertedu.labels import IGNORE_INDEX
from bertedu.pretraining.collator import (
    MASKED,
    NOT_PREDICTED,
    RANDOM,
    UNCHANGED,
    DataCollatorForPretraining,
)
from bertedu.pretraining.instances import create_training_instances
from bertedu.pretraining.masking import (
    corrupt_token,
    create_masked_lm_predictions,
    random_replacement_words,
)
from bertedu.tokenizer.bert import BertTokenizer

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = [f"w{i}" for i in range(400)]
VOCAB = {token: index for index, token in enumerate(SPECIALS + ["[unused0]"] + WORDS)}
VOCAB_WORDS = random_replacement_words(VOCAB, SPECIALS)
RATE_TOLERANCE = 0.015  # on fractions measured over >= 20k predictions (about 5 standard errors)


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    path = tmp_path_factory.mktemp("vocab") / "vocab.txt"
    path.write_text("\n".join(SPECIALS + ["[unused0]"] + WORDS + ["##s", "##ed"]) + "\n")
    return BertTokenizer(path)


def random_sequence(rng: random.Random, length: int) -> list[str]:
    """[CLS] A [SEP] B [SEP] with `length` tokens in all."""
    words = [rng.choice(WORDS) for _ in range(length - 3)]
    a_len = rng.randint(1, len(words) - 1)
    return ["[CLS]", *words[:a_len], "[SEP]", *words[a_len:], "[SEP]"]


def classify(rng_seed: int, sequences: list[list[str]], cap: int, **kwargs):
    """Count predictions and how each chosen token was corrupted."""
    rng = random.Random(rng_seed)
    counts = {"mask": 0, "kept": 0, "random": 0}
    for tokens in sequences:
        output, positions, labels = create_masked_lm_predictions(tokens, 0.15, cap, VOCAB_WORDS,
                                                                 rng, **kwargs)
        assert positions == sorted(positions) and labels == [tokens[p] for p in positions]
        for position in range(len(tokens)):
            if position not in positions:
                assert output[position] == tokens[position]
        for position in positions:
            if output[position] == "[MASK]":
                counts["mask"] += 1
            elif output[position] == tokens[position]:
                counts["kept"] += 1
            else:
                assert output[position] in VOCAB_WORDS
                counts["random"] += 1
    return counts


def test_mask_rate_and_80_10_10_split():
    rng = random.Random(0)
    sequences = [random_sequence(rng, rng.randint(5, 200)) for _ in range(1400)]
    counts = classify(1, sequences, cap=1000)
    total = sum(counts.values())
    assert total == sum(round(len(tokens) * 0.15) for tokens in sequences)
    assert total >= 20_000
    assert abs(total / sum(map(len, sequences)) - 0.15) < 0.005
    assert abs(counts["mask"] / total - 0.8) < RATE_TOLERANCE
    assert abs(counts["kept"] / total - 0.1) < RATE_TOLERANCE
    assert abs(counts["random"] / total - 0.1) < RATE_TOLERANCE


def test_corrupt_token_is_the_80_10_10_rule():
    rng = random.Random(3)
    assert "zebra" not in VOCAB_WORDS  # so "unchanged" and "a random word" cannot be confused
    shown = [corrupt_token("zebra", VOCAB_WORDS, rng) for _ in range(20_000)]
    assert abs(shown.count("[MASK]") / len(shown) - 0.8) < RATE_TOLERANCE
    assert abs(shown.count("zebra") / len(shown) - 0.1) < RATE_TOLERANCE
    random_words = [word for word in shown if word not in ("[MASK]", "zebra")]
    assert abs(len(random_words) / len(shown) - 0.1) < RATE_TOLERANCE
    assert set(random_words) <= set(VOCAB_WORDS)


def test_masks_are_the_ones_earlier_versions_drew():
    """The same seed keeps giving the same masks (the shipped checkpoint's pairs among them): a
    digest of 300 seeded calls, taken before ``corrupt_token`` was split out of the rule."""
    rng = random.Random(7)
    calls = []
    for _ in range(300):
        tokens = random_sequence(rng, rng.randint(5, 120))
        calls.append(create_masked_lm_predictions(tokens, 0.15, 20, VOCAB_WORDS, rng,
                                                  whole_word_mask=rng.random() < 0.5))
    digest = hashlib.sha256(repr(calls).encode()).hexdigest()
    assert digest == "e2076b3fca3d69f2f954f6f1c1b8495decff40c9fd0c72f90e0ca9a713e6472b"


def test_number_of_predictions_follows_the_original_formula():
    rng = random.Random(0)
    for length in range(5, 300):
        tokens = random_sequence(rng, length)
        for cap in (1, 5, 20, 76):
            _, positions, _ = create_masked_lm_predictions(tokens, 0.15, cap, VOCAB_WORDS, rng)
            assert len(positions) == min(cap, max(1, round(length * 0.15)))


def test_special_tokens_are_never_chosen():
    rng = random.Random(0)
    for _ in range(200):
        tokens = random_sequence(rng, rng.randint(5, 40)) + ["[PAD]"] * 3
        output, positions, _ = create_masked_lm_predictions(tokens, 1.0, 1000, VOCAB_WORDS, rng)
        assert positions == [i for i, token in enumerate(tokens) if token not in SPECIALS]
        assert [output[i] for i, t in enumerate(tokens) if t in SPECIALS] == \
            [t for t in tokens if t in SPECIALS]


def test_random_replacement_words_leave_out_specials_and_placeholders():
    assert VOCAB_WORDS == WORDS
    with pytest.raises(ValueError, match="no real words"):
        random_replacement_words({token: i for i, token in enumerate(SPECIALS)}, SPECIALS)


def test_whole_word_masking_takes_whole_words():
    rng = random.Random(0)
    masked_multi_piece_words = 0
    for _ in range(500):
        tokens = ["[CLS]"]
        for _ in range(rng.randint(3, 30)):
            tokens += [rng.choice(WORDS)] + ["##s"] * rng.choice([0, 0, 1, 2, 3])
        tokens += ["[SEP]", "##ed", "w1", "##ed", "[SEP]"]  # a ## right after [SEP] is its own word
        _, positions, _ = create_masked_lm_predictions(tokens, 0.15, 20, VOCAB_WORDS, rng,
                                                       whole_word_mask=True)
        assert len(positions) <= min(20, max(1, round(len(tokens) * 0.15)))
        chosen = set(positions)
        start = 1
        for end in range(2, len(tokens) + 1):  # words are [start, end)
            if end < len(tokens) and tokens[end].startswith("##") and tokens[end - 1] != "[SEP]":
                continue
            word = set(range(start, end))
            assert word <= chosen or not word & chosen, tokens[start:end]
            masked_multi_piece_words += len(word) > 1 and word <= chosen
            start = end
    assert masked_multi_piece_words > 100


def test_same_seed_same_masks_and_bad_settings():
    tokens = random_sequence(random.Random(0), 60)
    first = create_masked_lm_predictions(tokens, 0.15, 20, VOCAB_WORDS, random.Random(5))
    assert first == create_masked_lm_predictions(tokens, 0.15, 20, VOCAB_WORDS, random.Random(5))
    with pytest.raises(ValueError, match="masked_lm_prob"):
        create_masked_lm_predictions(tokens, 0.0, 20, VOCAB_WORDS, random.Random(0))
    with pytest.raises(ValueError, match="max_predictions_per_seq"):
        create_masked_lm_predictions(tokens, 0.15, 0, VOCAB_WORDS, random.Random(0))


def corpus(seed: int, num_documents: int = 60, max_sentences: int = 10) -> list[list[list[str]]]:
    rng = random.Random(seed)
    return [[[rng.choice(WORDS) for _ in range(rng.randint(1, 12))]
             for _ in range(rng.randint(1, max_sentences))] for _ in range(num_documents)]


def instances(tokenizer, mask: bool, seed: int = 0):
    return create_training_instances(corpus(seed), tokenizer, 48, rng=random.Random(seed),
                                     dupe_factor=1, mask=mask, progress_bar=False)


def test_batch_format_padding_and_labels(tokenizer):
    batch_instances = instances(tokenizer, mask=True)[:16]
    batch = DataCollatorForPretraining(tokenizer, dynamic=False)(batch_instances)
    assert set(batch) == {"input_ids", "token_type_ids", "attention_mask", "labels",
                          "next_sentence_label"}
    assert all(tensor.dtype == torch.long for tensor in batch.values())
    lengths = [len(instance.tokens) for instance in batch_instances]
    assert batch["input_ids"].shape == (16, max(lengths)) and batch["next_sentence_label"].shape == (16,)
    for row, instance in enumerate(batch_instances):
        length = lengths[row]
        assert batch["input_ids"][row, :length].tolist() == tokenizer.convert_tokens_to_ids(instance.tokens)
        assert (batch["input_ids"][row, length:] == tokenizer.pad_token_id).all()
        assert batch["attention_mask"][row].tolist() == [1] * length + [0] * (max(lengths) - length)
        assert batch["token_type_ids"][row].tolist() == instance.segment_ids + [0] * (max(lengths) - length)
        labelled = (batch["labels"][row] != IGNORE_INDEX).nonzero().flatten().tolist()
        assert labelled == instance.masked_lm_positions
        assert batch["labels"][row, labelled].tolist() == \
            tokenizer.convert_tokens_to_ids(instance.masked_lm_labels)
        assert batch["next_sentence_label"][row] == int(instance.is_random_next)  # 1 = NotNext


def test_dynamic_masks_are_fresh_each_batch_and_reproducible(tokenizer):
    unmasked = instances(tokenizer, mask=False)[:32]
    collator = DataCollatorForPretraining(tokenizer, seed=3)
    first, second = collator(unmasked), collator(unmasked)
    assert not torch.equal(first["labels"], second["labels"])
    replay = DataCollatorForPretraining(tokenizer, seed=3)
    for expected in (first, second):
        batch = replay(unmasked)
        assert all(torch.equal(batch[key], expected[key]) for key in expected)


def test_dynamic_masking_keeps_the_rules(tokenizer):
    unmasked = create_training_instances(corpus(1, num_documents=100, max_sentences=40), tokenizer, 128,
                                         rng=random.Random(1), dupe_factor=1, mask=False,
                                         progress_bar=False)
    collator = DataCollatorForPretraining(tokenizer, max_predictions_per_seq=12, seed=0)
    specials = tokenizer.convert_tokens_to_ids(["[CLS]", "[SEP]", "[PAD]"])
    mask_id = tokenizer.mask_token_id
    clean = torch.full((len(unmasked), max(len(i.tokens) for i in unmasked)), tokenizer.pad_token_id)
    for row, instance in enumerate(unmasked):
        clean[row, :len(instance.tokens)] = torch.tensor(tokenizer.convert_tokens_to_ids(instance.tokens))
    counts = {"mask": 0, "kept": 0, "random": 0}
    while sum(counts.values()) < 20_000:
        batch = collator(unmasked)
        labelled = batch["labels"] != IGNORE_INDEX
        assert (batch["labels"][labelled] == clean[labelled]).all()
        assert not labelled[torch.isin(clean, torch.tensor(specials))].any()
        assert (batch["input_ids"][~labelled] == clean[~labelled]).all()
        assert labelled.sum(dim=1).tolist() == [min(12, max(1, round(len(i.tokens) * 0.15)))
                                                for i in unmasked]
        chosen = batch["input_ids"][labelled]
        counts["mask"] += int((chosen == mask_id).sum())
        counts["kept"] += int((chosen == clean[labelled]).sum())
        counts["random"] += int(((chosen != mask_id) & (chosen != clean[labelled])).sum())
    total = sum(counts.values())
    assert abs(counts["mask"] / total - 0.8) < RATE_TOLERANCE
    assert abs(counts["kept"] / total - 0.1) < RATE_TOLERANCE
    assert abs(counts["random"] / total - 0.1) < RATE_TOLERANCE


def test_collator_remembers_what_the_80_10_10_rule_did(tokenizer):
    unmasked = instances(tokenizer, mask=False)
    for collator, batch_instances in (
            (DataCollatorForPretraining(tokenizer, seed=0, return_masking_kinds=True), unmasked),
            (DataCollatorForPretraining(tokenizer, dynamic=False, return_masking_kinds=True),
             instances(tokenizer, mask=True))):
        batch = collator(batch_instances)
        kinds, labelled = batch["masked_lm_kinds"], batch["labels"] != IGNORE_INDEX   # (B, T)
        assert ((kinds != NOT_PREDICTED) == labelled).all()
        chosen, original = batch["input_ids"][labelled], batch["labels"][labelled]
        assert ((kinds[labelled] == MASKED) == (chosen == tokenizer.mask_token_id)).all()
        assert ((kinds[labelled] == UNCHANGED) == (chosen == original)).all()
        assert ((kinds[labelled] == RANDOM) == ((chosen != original) & (chosen != tokenizer.mask_token_id))).all()
    counts = torch.bincount(batch["masked_lm_kinds"].flatten(), minlength=4).tolist()
    assert counts[1:] == [445, 52, 64]  # [MASK], random, unchanged: 80 % / 9 % / 11 % of 561
    assert "masked_lm_kinds" not in DataCollatorForPretraining(tokenizer)(unmasked[:2])


def test_dataloader_workers_draw_new_masks_each_epoch(tokenizer):
    unmasked = instances(tokenizer, mask=False)[:8]
    collator = DataCollatorForPretraining(tokenizer, seed=0)

    def epochs(generator_seed: int) -> list[torch.Tensor]:
        loader = torch.utils.data.DataLoader(unmasked, batch_size=4, collate_fn=collator,
                                             num_workers=2,
                                             generator=torch.Generator().manual_seed(generator_seed))
        return [torch.cat([batch["labels"].flatten() for batch in loader]) for _ in range(2)]

    first_run = epochs(0)
    assert not torch.equal(first_run[0], first_run[1])
    assert all(torch.equal(a, b) for a, b in zip(first_run, epochs(0)))


def test_mode_mismatch_is_a_clear_error(tokenizer):
    with pytest.raises(ValueError, match="mask=False"):
        DataCollatorForPretraining(tokenizer, dynamic=True)(instances(tokenizer, mask=True)[:2])
    with pytest.raises(ValueError, match="mask=True"):
        DataCollatorForPretraining(tokenizer, dynamic=False)(instances(tokenizer, mask=False)[:2])
    with pytest.raises(ValueError, match="masked_lm_prob"):
        DataCollatorForPretraining(tokenizer, mlm_probability=1.5)
