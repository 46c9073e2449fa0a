"""Lesson 12: BERT for translation. BERT is an encoder; translation also needs a decoder.

"Attention Is All You Need" (Vaswani et al. 2017, section 3) pairs an encoder, which reads the whole
source at once, with a decoder, which writes the target one token at a time: its self-attention is
masked so a position sees only the positions before it, and a third sub-layer, cross-attention,
takes its queries from the decoder and its keys and values from the encoder's outputs. Rothe, Narayan
& Severyn (2020), "Leveraging Pre-trained Checkpoints for Sequence Generation Tasks", build that
model from BERT ("BERT2BERT"): encoder and decoder both start from a BERT checkpoint, the decoder's
self-attention gets the causal mask, and only the cross-attention starts from random weights.

Modules, in reading order:

- ``decoder``: the causal mask and the decoder layer (self-attention, cross-attention, feed-forward),
  all from ``bertedu.attention`` / ``bertedu.encoder``;
- ``lm_head_model``: ``BertLMHeadModel``, the decoder with BERT's LM head (transformers' twin);
- ``encoder_decoder``: ``EncoderDecoderModel`` (transformers' twin), warm-started from BERT folders;
- ``generation``: greedy and beam search, token for token as transformers' ``generate``;
- ``corpus``: the course's English-to-German pairs, from a small grammar with German's rules;
- ``run``: training with teacher forcing and scoring with sacreBLEU (``python -m bertedu translate``).
"""

from .corpus import train_dev_split, translation_pairs
from .decoder import BertDecoder, BertDecoderLayer, BertDecoderModel, causal_attention_mask
from .encoder_decoder import EncoderDecoderConfig, EncoderDecoderModel, shift_tokens_right
from .generation import beam_search, generate, greedy_search
from .lm_head_model import BertLMHeadModel, decoder_config
from .outputs import (
    BaseModelOutputWithCrossAttentions,
    CausalLMOutputWithCrossAttentions,
    Seq2SeqLMOutput,
)
from .run import (
    TranslationResult,
    cold_start,
    corpus_bleu,
    train_translation,
    translate,
    warm_start,
)

__all__ = [
    "BaseModelOutputWithCrossAttentions",
    "beam_search",
    "BertDecoder",
    "BertDecoderLayer",
    "BertDecoderModel",
    "BertLMHeadModel",
    "causal_attention_mask",
    "CausalLMOutputWithCrossAttentions",
    "cold_start",
    "corpus_bleu",
    "decoder_config",
    "EncoderDecoderConfig",
    "EncoderDecoderModel",
    "generate",
    "greedy_search",
    "Seq2SeqLMOutput",
    "shift_tokens_right",
    "train_dev_split",
    "train_translation",
    "translate",
    "translation_pairs",
    "TranslationResult",
    "warm_start",
]
