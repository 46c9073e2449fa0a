"""Decoding: greedy search and beam search, one target token at a time.

The decoder is auto-regressive (Vaswani et al. 2017, section 3: "consuming the previously generated
symbols as additional input when generating the next"). Greedy search appends the most likely token;
beam search keeps the ``num_beams`` best partial translations by summed log-probability and ends
with the best finished one, its score divided by ``length ** length_penalty`` (Wu et al. 2016's
length normalisation in Hugging Face's form: length = generated tokens, EOS included).

Both follow ``transformers``' ``generate`` (``num_beams=1, do_sample=False``, and ``num_beams=k,
early_stopping=True``) token for token: ``max_length`` counts the start token; a sequence that has
ended is padded with ``pad_token_id``; beam search considers the 2k best continuations, lets only the
top k of them finish, and stops once k hypotheses have finished. One deliberate difference: HF fills
the unused end of beam-search outputs with ``eos_token_id`` when ``pad_token_id`` is 0 (a truthiness
slip, ``pad or eos``); we always pad with ``pad_token_id``. There is no key/value cache: each step
re-runs the decoder over the whole prefix (the encoder runs once), simple and exact, quadratic in length.
"""

from __future__ import annotations

import math

import torch

from ..inference import eval_mode


def check_generation_arguments(config, max_length: int, num_beams: int, length_penalty: float) -> None:
    """``config``: the model's ``EncoderDecoderConfig``."""
    if config.eos_token_id is None:
        raise ValueError("generation needs config.eos_token_id, the token that ends a translation ([SEP] for BERT)")
    if not isinstance(max_length, int) or max_length < 2:
        raise ValueError(f"max_length must be an integer >= 2 (the start token and one more), got {max_length!r}")
    if max_length > config.decoder.max_position_embeddings:
        raise ValueError(f"max_length={max_length} exceeds the decoder's max_position_embeddings="
                         f"{config.decoder.max_position_embeddings}")
    if not isinstance(num_beams, int) or num_beams < 1:
        raise ValueError(f"num_beams must be a positive integer, got {num_beams!r}")
    if not isinstance(length_penalty, (int, float)) or not math.isfinite(length_penalty):
        raise ValueError(f"length_penalty must be a finite number, got {length_penalty!r}")


def next_token_log_probs(model, sequences: torch.Tensor, encoder_states: torch.Tensor,
                         attention_mask: torch.Tensor | None) -> torch.Tensor:
    """log P(next token | prefix, source) for each row: (N, t) prefixes -> (N, V)."""
    logits = model.decoder(sequences, None, encoder_states, attention_mask).logits[:, -1]  # (N, V)
    return logits.float().log_softmax(dim=-1)


def greedy_search(model, encoder_states: torch.Tensor, attention_mask: torch.Tensor | None,
                  max_length: int) -> torch.Tensor:
    """(B, S, H) encoder states -> (B, <= max_length) ids: the start token, then argmax each step."""
    config = model.config
    sequences = torch.full((encoder_states.size(0), 1), config.decoder_start_token_id,
                           device=encoder_states.device)  # (B, 1)
    unfinished = torch.ones(encoder_states.size(0), dtype=torch.bool, device=encoder_states.device)  # (B,)
    while sequences.size(1) < max_length and unfinished.any():
        tokens = next_token_log_probs(model, sequences, encoder_states, attention_mask).argmax(dim=-1)  # (B,)
        tokens = torch.where(unfinished, tokens, config.pad_token_id)
        sequences = torch.cat([sequences, tokens[:, None]], dim=1)
        unfinished &= tokens != config.eos_token_id
    return sequences


def beam_search(model, encoder_states: torch.Tensor, attention_mask: torch.Tensor | None, max_length: int,
                num_beams: int, length_penalty: float) -> torch.Tensor:
    """One source: (1, S, H) -> the best finished hypothesis, a (t,) tensor of ids."""
    config = model.config
    beams = torch.full((1, 1), config.decoder_start_token_id, device=encoder_states.device)  # (n, t)
    beam_scores = torch.zeros(1, device=encoder_states.device)  # (n,): summed log-probabilities
    finished: list[tuple[float, torch.Tensor]] = []             # (normalised score, ids)
    while True:
        length = beams.size(1)
        mask = None if attention_mask is None else attention_mask.expand(len(beams), -1)
        log_probs = next_token_log_probs(model, beams, encoder_states.expand(len(beams), -1, -1), mask)
        scores = (beam_scores[:, None] + log_probs).flatten()  # (n * V,)
        top_scores, top = scores.topk(min(2 * num_beams, scores.numel()))  # the 2k best continuations
        vocab_size = log_probs.size(-1)
        candidates = torch.cat([beams[top // vocab_size], (top % vocab_size)[:, None]], dim=1)  # (2k, t+1)
        ended = (candidates[:, -1] == config.eos_token_id) | (length + 1 >= max_length)
        for rank in range(num_beams):  # only the top k may finish; the rest are spares to continue
            if ended[rank]:
                finished.append((float(top_scores[rank]) / length ** length_penalty, candidates[rank]))
        finished = sorted(finished, key=lambda hypothesis: -hypothesis[0])[:num_beams]
        if len(finished) == num_beams or bool(ended.all()):
            return finished[0][1]
        keep = (~ended).nonzero().flatten()[:num_beams]
        beams, beam_scores = candidates[keep], top_scores[keep]


def generate(model, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None, max_length: int = 20,
             num_beams: int = 1, length_penalty: float = 1.0) -> torch.Tensor:
    """(B, S) source ids -> (B, T) target ids starting with the start token, padded to the longest."""
    check_generation_arguments(model.config, max_length, num_beams, length_penalty)
    with eval_mode(model):
        _, encoder_states = model.encode(input_ids, attention_mask)  # (B, S, H)
        if num_beams == 1:
            return greedy_search(model, encoder_states, attention_mask, max_length)
        best = [beam_search(model, encoder_states[i:i + 1], None if attention_mask is None else
                            attention_mask[i:i + 1], max_length, num_beams, length_penalty)
                for i in range(input_ids.size(0))]
    return torch.nn.utils.rnn.pad_sequence(best, batch_first=True, padding_value=model.config.pad_token_id)
