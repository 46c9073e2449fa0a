"""Exercises for lesson 06 (pretraining objectives): the 80/10/10 rule, the number of MLM
predictions, ``truncate_seq_pair`` and the masked-LM loss.

Each ``check_...`` compares the learner's function with the reference below (pinned to
``bertedu.pretraining.masking`` and ``.instances`` by the tests), as ``bertedu.exercises`` describes.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Callable

import torch

from ..labels import IGNORE_INDEX
from ..pretraining.instances import truncate_seq_pair
from . import fail, not_attempted, passed, solution_of


def corrupt_token(token: str, vocab_words: list[str], rng: random.Random,
                  mask_token: str = "[MASK]") -> str:
    """The input token at a position chosen for prediction: 80 % [MASK], 10 % the token itself,
    10 % a random word; the random numbers are drawn as in ``create_masked_lm_predictions``."""
    if rng.random() < 0.8:
        return mask_token
    if rng.random() < 0.5:
        return token
    return vocab_words[rng.randrange(len(vocab_words))]


def num_to_predict(num_tokens: int, masked_lm_prob: float = 0.15,
                   max_predictions_per_seq: int = 20) -> int:
    """How many positions of a ``num_tokens``-long sequence (specials included) are predicted."""
    return min(max_predictions_per_seq, max(1, round(num_tokens * masked_lm_prob)))


def masked_lm_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over the labelled positions: logits (B, T, V), labels (B, T) with -100
    where nothing is predicted."""
    labelled = labels != IGNORE_INDEX                                   # (B, T)
    log_probs = logits[labelled].log_softmax(dim=-1)                    # (N, V)
    target = labels[labelled]                                           # (N,)
    return -log_probs.gather(1, target[:, None]).squeeze(1).mean()     # ()


SOLUTIONS = {"corrupt_token": corrupt_token, "num_to_predict": num_to_predict,
             "truncate_seq_pair": truncate_seq_pair, "masked_lm_loss": masked_lm_loss}


def solution(name: str) -> str:
    """Print the reference solution of exercise ``name`` (one of SOLUTIONS)."""
    return solution_of(SOLUTIONS, "06", name)



WORDS = [f"word{i}" for i in range(50)]
DRAWS = 20_000
TOLERANCE = 0.015  # on a fraction of 20,000 draws: about 5 standard errors of the 10 % shares


def check_corrupt_token(fn: Callable[..., str]) -> bool:
    """Draw ``fn("octopus", WORDS, rng)`` 20,000 times: the shares must be 80/10/10 and the random
    words uniform over ``vocab_words``; the same seed must give the same draws."""
    try:
        fn("octopus", list(WORDS), random.Random(0))
    except NotImplementedError:
        return not_attempted("corrupt_token", fn)
    rng = random.Random(1)
    draws = [fn("octopus", list(WORDS), rng) for _ in range(DRAWS)]
    strange = sorted({d for d in draws if d not in ("[MASK]", "octopus", *WORDS)}, key=str)
    if strange:
        fail(f"corrupt_token returned {strange[:3]}: the result must be '[MASK]', the token itself, or "
             "a word from vocab_words (the random replacement is vocab_words[rng.randrange(len(vocab_words))])")
    again = random.Random(1)
    if [fn("octopus", list(WORDS), again) for _ in range(200)] != draws[:200]:
        fail("the same seed gave different results: draw every random number from the `rng` argument "
             "(rng.random(), rng.randrange(...)), not from the global `random` module or numpy")
    shares = {"[MASK]": draws.count("[MASK]") / DRAWS, "unchanged": draws.count("octopus") / DRAWS}
    shares["random"] = 1.0 - shares["[MASK]"] - shares["unchanged"]
    measured = ", ".join(f"{share:.1%} {kind}" for kind, share in shares.items())
    if shares["[MASK]"] > 1 - TOLERANCE:
        fail(f"measured {measured}: always [MASK] is the mismatch the paper avoids ([MASK] never "
             "appears in fine-tuning). Keep the token 10 % of the time and put a random word 10 %.")
    expected = {"[MASK]": 0.8, "unchanged": 0.1, "random": 0.1}
    if any(abs(shares[kind] - share) > TOLERANCE for kind, share in expected.items()):
        fail(f"measured {measured}; expected 80 % [MASK], 10 % unchanged, 10 % random. After the 80 % "
             "branch (rng.random() < 0.8) a fifth of the probability is left: split it in two halves, "
             "e.g. with a second draw rng.random() < 0.5.")
    counts = Counter(d for d in draws if d in WORDS)
    if len(counts) < len(WORDS) or min(counts.values()) < 0.3 * DRAWS * 0.1 / len(WORDS):
        fail(f"the random replacements are not spread over vocab_words (only {len(counts)} of "
             f"{len(WORDS)} words used, some rarely): pick vocab_words[rng.randrange(len(vocab_words))]")
    rng = random.Random(2)
    other = [fn("octopus", list(WORDS), rng, "<mask>") for _ in range(50)]
    if "<mask>" not in other or "[MASK]" in other:
        fail("with mask_token='<mask>' the function should put '<mask>' (use the mask_token argument, "
             "not the literal '[MASK]')")
    same = [corrupt_token("octopus", WORDS, random.Random(seed)) for seed in range(300)]
    if [fn("octopus", list(WORDS), random.Random(seed)) for seed in range(300)] == same:
        order = "it draws its random numbers exactly as create_masked_lm_predictions does."
    else:
        order = ("it draws its random numbers in another order than bertedu and google-research/bert, "
                 "which is fine: the rule is the distribution.")
    return passed(f"{measured}; the random words cover the whole vocabulary; {order}")


def check_num_to_predict(fn: Callable[[int, float, int], int]) -> bool:
    """Compare ``fn(num_tokens, masked_lm_prob, max_predictions_per_seq)`` with the formula of
    ``create_masked_lm_predictions`` for lengths 1-600 and several rates and caps."""
    try:
        fn(128, 0.15, 20)
    except NotImplementedError:
        return not_attempted("num_to_predict", fn)
    for prob in (0.15, 0.2, 0.5):
        for cap in (1, 5, 20, 80, 1000):
            for length in range(1, 601):
                got, expected = fn(length, prob, cap), num_to_predict(length, prob, cap)
                if got == expected:
                    continue
                case = f"num_tokens={length}, masked_lm_prob={prob}, max_predictions_per_seq={cap}"
                if not isinstance(got, int):
                    fail(f"for {case} you returned {got!r}: return an int")
                if got > cap:
                    fail(f"for {case} you returned {got}, more than the cap: take min(cap, ...)")
                if got == 0:
                    fail(f"for {case} you returned 0: every sequence predicts at least one token, max(1, ...)")
                raw = length * prob
                if raw % 1 == 0.5 and got == expected + 1:  # rounded the half up
                    fail(f"for {case}: {length} x {prob} = {raw}, you returned {got}, the original "
                         f"{expected}. Python's round() rounds halves to even (round(4.5) == 4, "
                         "round(1.5) == 2); use round(), as create_pretraining_data.py does.")
                fail(f"for {case} you returned {got}, expected {expected} = min(cap, max(1, "
                     f"round({length} x {prob} = {raw:.4g}))). Round to the nearest integer (not "
                     "int() or math.ceil).")
    return passed("min(max_predictions_per_seq, max(1, round(num_tokens * masked_lm_prob))): e.g. 19 "
                  "predictions for 128 tokens, and never more than the cap however long the sequence.")


def _pair_cases() -> list[tuple[list[str], list[str], int]]:
    rng = random.Random(3)
    cases = [(list("abcdefgh"), list("xyz"), 6), (list("ab"), list("uvwxyz"), 5),
             (list("abcd"), list("wxyz"), 5), (list("abc"), list("xy"), 10), (list("abc"), list("xyz"), 0)]
    for _ in range(400):
        a = [f"a{i}" for i in range(rng.randint(0, 30))]
        b = [f"b{i}" for i in range(rng.randint(0, 30))]
        cases.append((a, b, rng.randint(0, 40)))
    return cases


def _contiguous_start(part: list[str], whole: list[str]) -> int | None:
    """Where ``part`` sits in ``whole`` as a contiguous slice (None if it does not)."""
    for start in range(len(whole) - len(part) + 1):
        if whole[start:start + len(part)] == part:
            return start
    return None


def check_truncate_seq_pair(fn: Callable[[list, list, int, random.Random], None]) -> bool:
    """Run ``fn(tokens_a, tokens_b, max_num_tokens, rng)`` on 405 pairs and compare with
    ``bertedu.pretraining.instances.truncate_seq_pair``: in place, the longer side first (B on ties),
    from the front or the back with probability 0.5."""
    try:
        fn(list("abcdef"), list("xyz"), 4, random.Random(0))
    except NotImplementedError:
        return not_attempted("truncate_seq_pair", fn)
    removed_front = removed = 0
    identical = True
    for seed, (a, b, limit) in enumerate(_pair_cases()):
        tokens_a, tokens_b, ref_a, ref_b = list(a), list(b), list(a), list(b)
        returned = fn(tokens_a, tokens_b, limit, random.Random(seed))
        truncate_seq_pair(ref_a, ref_b, limit, random.Random(seed))
        case = f"A of {len(a)} tokens, B of {len(b)}, max_num_tokens={limit}"
        if (tokens_a, tokens_b) == (a, b) and (ref_a, ref_b) != (a, b):
            extra = " (it returned something: the original returns None)" if returned is not None else ""
            fail(f"for {case} the lists were not changed{extra}: modify tokens_a and tokens_b in "
                 "place (del tokens[0], tokens.pop())")
        total = len(tokens_a) + len(tokens_b)
        if total > limit:
            fail(f"for {case} the pair still has {total} tokens: keep trimming while "
                 "len(tokens_a) + len(tokens_b) > max_num_tokens")
        if total < min(limit, len(a) + len(b)):
            fail(f"for {case} only {total} tokens are left: stop as soon as the pair fits")
        if (len(tokens_a), len(tokens_b)) != (len(ref_a), len(ref_b)):
            fail(f"for {case} you kept {len(tokens_a)} + {len(tokens_b)} tokens, the original keeps "
                 f"{len(ref_a)} + {len(ref_b)}: each step trims the side that is longer *now* "
                 "(B when they are equally long)")
        for now, before in ((tokens_a, a), (tokens_b, b)):
            start = _contiguous_start(now, before)
            if start is None:
                fail(f"for {case} a side is no longer a contiguous piece of the original: remove "
                     "tokens only from its ends")
            if now:  # an emptied side does not tell from which end its tokens went
                removed_front += start
                removed += len(before) - len(now)
        identical = identical and (tokens_a, tokens_b) == (ref_a, ref_b)
    front_share = removed_front / removed
    if not 0.45 < front_share < 0.55:
        fail(f"{front_share:.0%} of the removed tokens came from the front: the original flips a coin "
             "for each token (rng.random() < 0.5: the first token, else the last), so that the model "
             "sees sequences cut at both ends, not always at the same one")
    order = ("with the same seed your trims are token for token the package's." if identical else
             "your coin flips use the rng differently from bertedu's, which is fine for the rule.")
    return passed(f"the longer side is trimmed, {front_share:.0%} of the tokens from the front; {order}")


def _loss_cases() -> list[tuple[torch.Tensor, torch.Tensor]]:
    generator = torch.Generator().manual_seed(6)
    cases = []
    for batch, seq_len, vocab in ((2, 7, 11), (3, 5, 30), (1, 9, 4)):
        logits = 3 * torch.randn(batch, seq_len, vocab, generator=generator)            # (B, T, V)
        labels = torch.randint(0, vocab, (batch, seq_len), generator=generator)          # (B, T)
        keep = torch.rand(batch, seq_len, generator=generator) < 0.4
        keep[0, 1] = True
        labels[~keep] = IGNORE_INDEX
        cases.append((logits, labels))
    return cases


def check_masked_lm_loss(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """Compare ``fn(logits, labels)`` with the mean cross-entropy over the labelled positions."""
    for logits, labels in _loss_cases():
        logits = logits.clone().requires_grad_(True)
        try:
            got = fn(logits, labels.clone())
        except NotImplementedError:
            return not_attempted("masked_lm_loss", fn)
        except (IndexError, RuntimeError) as error:
            fail(f"masked_lm_loss raised {type(error).__name__}: {error}. A label of -100 is not a "
                 "class: keep only the labelled positions (labels != -100) or pass ignore_index=-100")
        if not isinstance(got, torch.Tensor) or got.dim() != 0:
            fail(f"return a single number as a 0-dim tensor (the mean over labelled positions), got "
                 f"{got if not isinstance(got, torch.Tensor) else f'shape {tuple(got.shape)}'}")
        if not got.requires_grad:
            fail("the loss is detached from the logits (no gradient would flow): avoid .item(), "
                 ".detach() and numpy inside the loss")
        expected = masked_lm_loss(logits, labels).detach()
        got = got.detach()
        if torch.allclose(got, expected, atol=1e-5):
            continue
        labelled = int((labels != IGNORE_INDEX).sum())
        if torch.allclose(got, expected * labelled, atol=1e-4):
            fail("that is the sum over labelled positions: take the mean (divide by their number)")
        if torch.allclose(got, expected * labelled / labels.numel(), atol=1e-5):
            fail(f"you divided by all {labels.numel()} positions: only the {labelled} labelled ones "
                 "count (unmasked tokens and padding carry -100 and take no part in the mean)")
        fail(f"got {got.item():.5f}, expected {expected.item():.5f}: the loss is the mean over "
             "labelled positions of -log softmax(logits)[label]")
    return passed("the mean cross-entropy over the labelled positions, as F.cross_entropy(logits.view(-1, V), "
                  "labels.view(-1), ignore_index=-100) and BertForPreTraining compute it.")
