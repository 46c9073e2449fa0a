"""The lesson-06 checks accept right answers (including ones that draw random numbers differently),
reject wrong ones with a useful hint, and say when the learner has not started yet; the references
are the package's rules."""

from __future__ import annotations

import random

import pytest
import torch
import torch.nn.functional as F

from bertedu.exercises import ExerciseFailed
from bertedu.exercises import lesson06 as ex
from bertedu.pretraining.instances import truncate_seq_pair
from bertedu.pretraining.masking import create_masked_lm_predictions

CHECKS = [ex.check_corrupt_token, ex.check_num_to_predict, ex.check_truncate_seq_pair,
          ex.check_masked_lm_loss]


def not_yet(*args):
    raise NotImplementedError("your turn")


@pytest.mark.parametrize("check", CHECKS)
def test_not_attempted_prints_a_hint_and_returns_false(check, capsys):
    assert check(not_yet) is False
    out = capsys.readouterr().out
    assert "Not attempted yet" in out and "not_yet" in out


def test_reference_answers_pass(capsys):
    assert ex.check_corrupt_token(ex.corrupt_token) is True
    assert ex.check_num_to_predict(ex.num_to_predict) is True
    assert ex.check_truncate_seq_pair(ex.SOLUTIONS["truncate_seq_pair"]) is True
    assert ex.check_masked_lm_loss(ex.masked_lm_loss) is True
    out = capsys.readouterr().out
    assert out.count("Correct!") == 4
    assert "exactly as create_masked_lm_predictions" in out and "token for token" in out


# --- the references are the package's rules ------------------------------------------------------

def test_corrupt_token_replays_create_masked_lm_predictions():
    tokens = ["[CLS]", *[f"w{i}" for i in range(40)], "[SEP]"]
    words = [f"v{i}" for i in range(30)]
    for seed in range(50):
        output, positions, _ = create_masked_lm_predictions(tokens, 0.15, 20, words, random.Random(seed))
        rng = random.Random(seed)
        candidates = [[i] for i, t in enumerate(tokens) if t not in ("[CLS]", "[SEP]")]
        rng.shuffle(candidates)
        count = ex.num_to_predict(len(tokens))
        replayed = list(tokens)
        for [index] in candidates[:count]:
            replayed[index] = ex.corrupt_token(tokens[index], words, rng)
        assert replayed == output and len(positions) == count


def test_num_to_predict_is_the_package_count():
    rng = random.Random(0)
    for length in range(3, 300):
        tokens = ["[CLS]", *[f"w{i}" for i in range(length - 2)], "[SEP]"]
        for cap in (1, 20, 80):
            _, positions, _ = create_masked_lm_predictions(tokens, 0.15, cap, ["x"], rng)
            assert len(positions) == ex.num_to_predict(length, 0.15, cap)


def test_masked_lm_loss_reference_is_cross_entropy_with_ignore_index():
    for logits, labels in ex._loss_cases():
        expected = F.cross_entropy(logits.reshape(-1, logits.size(-1)), labels.reshape(-1), ignore_index=-100)
        torch.testing.assert_close(ex.masked_lm_loss(logits, labels), expected, atol=1e-6, rtol=0)


# --- other right answers pass ---------------------------------------------------------------------

def corrupt_one_draw(token, vocab_words, rng, mask_token="[MASK]"):
    draw = rng.random()
    if draw < 0.8:
        return mask_token
    return token if draw < 0.9 else rng.choice(vocab_words)


def truncate_other_coin(tokens_a, tokens_b, max_num_tokens, rng):
    while len(tokens_a) + len(tokens_b) > max_num_tokens:
        longer = tokens_a if len(tokens_a) > len(tokens_b) else tokens_b
        longer.pop(0 if rng.random() >= 0.5 else -1)


def test_other_correct_answers_pass_with_a_note(capsys):
    assert ex.check_corrupt_token(corrupt_one_draw) is True
    assert ex.check_truncate_seq_pair(truncate_other_coin) is True
    assert ex.check_num_to_predict(lambda n, p, cap: min(cap, max(1, round(n * p)))) is True
    assert ex.check_masked_lm_loss(lambda logits, labels: F.cross_entropy(
        logits.reshape(-1, logits.size(-1)), labels.reshape(-1))) is True  # -100 is the default ignore_index
    assert capsys.readouterr().out.count("which is fine") == 2


# --- wrong answers are rejected with a hint -------------------------------------------------------

@pytest.mark.parametrize("wrong, hint", [
    (lambda token, words, rng, mask_token="[MASK]": mask_token, "always \\[MASK\\]"),
    (lambda token, words, rng, mask_token="[MASK]": mask_token if rng.random() < 0.8 else token,
     "80 % \\[MASK\\], 10 % unchanged"),
    (lambda token, words, rng, mask_token="[MASK]": mask_token if rng.random() < 0.8 else (
        token if rng.random() < 0.1 else words[rng.randrange(len(words))]), "second draw"),
    (lambda token, words, rng, mask_token="[MASK]": mask_token if rng.random() < 0.8 else (
        token if rng.random() < 0.5 else words[0]), "vocab_words\\[rng.randrange"),
    (lambda token, words, rng, mask_token="[MASK]": mask_token if rng.random() < 0.8 else (
        token if rng.random() < 0.5 else "[UNK]"), "must be"),
    (lambda token, words, rng, mask_token="[MASK]": "[MASK]" if rng.random() < 0.8 else (
        token if rng.random() < 0.5 else rng.choice(words)), "mask_token argument"),
    (lambda token, words, rng, mask_token="[MASK]": mask_token if random.random() < 0.8 else (
        token if random.random() < 0.5 else random.choice(words)), "same seed"),
])
def test_wrong_corrupt_token_is_rejected(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ex.check_corrupt_token(wrong)


@pytest.mark.parametrize("wrong, hint", [
    (lambda n, p, cap: max(1, round(n * p)), "more than the cap"),
    (lambda n, p, cap: min(cap, round(n * p)), "at least one"),
    (lambda n, p, cap: min(cap, max(1, int(n * p + 0.5))), "halves to even"),
    (lambda n, p, cap: min(cap, max(1, int(n * p))), "Round to the nearest"),
    (lambda n, p, cap: float(min(cap, max(1, round(n * p)))) + 0.5, "return an int"),
])
def test_wrong_num_to_predict_is_rejected(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ex.check_num_to_predict(wrong)


def returns_new_lists(tokens_a, tokens_b, max_num_tokens, rng):
    tokens_a, tokens_b = list(tokens_a), list(tokens_b)
    truncate_seq_pair(tokens_a, tokens_b, max_num_tokens, rng)
    return tokens_a, tokens_b


def trims_a_first(tokens_a, tokens_b, max_num_tokens, rng):
    while len(tokens_a) + len(tokens_b) > max_num_tokens:
        (tokens_a if tokens_a else tokens_b).pop()


def always_the_back(tokens_a, tokens_b, max_num_tokens, rng):
    while len(tokens_a) + len(tokens_b) > max_num_tokens:
        (tokens_a if len(tokens_a) > len(tokens_b) else tokens_b).pop()


def one_too_many(tokens_a, tokens_b, max_num_tokens, rng):
    while len(tokens_a) + len(tokens_b) >= max_num_tokens and (tokens_a or tokens_b):
        (tokens_a if len(tokens_a) > len(tokens_b) else tokens_b).pop()


def stops_early(tokens_a, tokens_b, max_num_tokens, rng):
    while len(tokens_a) + len(tokens_b) > max_num_tokens + 1:
        (tokens_a if len(tokens_a) > len(tokens_b) else tokens_b).pop()


def from_the_middle(tokens_a, tokens_b, max_num_tokens, rng):
    while len(tokens_a) + len(tokens_b) > max_num_tokens:
        longer = tokens_a if len(tokens_a) > len(tokens_b) else tokens_b
        del longer[len(longer) // 2]


@pytest.mark.parametrize("wrong, hint", [
    (returns_new_lists, "in place"), (trims_a_first, "longer"), (always_the_back, "from the front"),
    (one_too_many, "stop as soon"), (stops_early, "keep trimming"), (from_the_middle, "contiguous"),
])
def test_wrong_truncate_seq_pair_is_rejected(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ex.check_truncate_seq_pair(wrong)


def loss_terms(logits, labels):
    """-log p(label) at every position, 0 where the label is -100."""
    labelled = labels != -100
    picked = logits.log_softmax(-1).gather(-1, labels.clamp(min=0)[..., None]).squeeze(-1)
    return -picked * labelled, labelled


@pytest.mark.parametrize("wrong, hint", [
    (lambda logits, labels: loss_terms(logits, labels)[0].sum(), "sum over labelled"),
    (lambda logits, labels: loss_terms(logits, labels)[0].mean(), "all .* positions"),
    (lambda logits, labels: F.cross_entropy(logits.reshape(-1, logits.size(-1)), labels.reshape(-1),
                                            ignore_index=-1), "not a class"),
    (lambda logits, labels: loss_terms(logits, labels)[0].sum(dim=-1), "0-dim"),
    (lambda logits, labels: F.cross_entropy(logits.reshape(-1, logits.size(-1)), labels.reshape(-1)).detach(),
     "detached"),
    (lambda logits, labels: F.cross_entropy(logits.softmax(-1).reshape(-1, logits.size(-1)),
                                            labels.reshape(-1)), "expected"),
])
def test_wrong_masked_lm_loss_is_rejected(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ex.check_masked_lm_loss(wrong)


def test_solution_prints_the_reference(capsys):
    assert "def truncate_seq_pair" in ex.solution("truncate_seq_pair")
    assert "def corrupt_token" in ex.solution("corrupt_token")
    assert "rng.random() < 0.8" in capsys.readouterr().out
    with pytest.raises(ValueError, match="masked_lm_loss"):
        ex.solution("nope")
