"""Training BERT2BERT on the course's translation task and scoring it with BLEU.

The recipe of Rothe, Narayan & Severyn (2020, section 4) at the course's scale: source and target go
through the BERT checkpoint's own WordPiece vocabulary; the decoder starts from [CLS] and ends with
[SEP]; training is teacher forcing with the cross-entropy loss of ``EncoderDecoderModel``; the dev
set is translated greedily and scored with sacreBLEU (Post 2018: corpus BLEU on detokenized text,
its standard 13a tokenization). ``warm_start`` loads both halves from the checkpoint, ``cold_start``
builds the same architecture from random weights, so the two can be compared at the same budget.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field

import torch

from ..config import BertConfig
from ..hf import LoadingInfo
from ..labels import IGNORE_INDEX
from ..tokenizer import BertTokenizer
from ..trainer import Trainer, TrainingArguments
from .encoder_decoder import EncoderDecoderConfig, EncoderDecoderModel


@dataclass
class TranslationResult:
    bleu: float
    translations: list[str]                      # of the dev sources, in order
    history: dict = field(default_factory=dict)  # the Trainer's {"train": [...], "eval": [...]}


def encode_pairs(tokenizer: BertTokenizer, pairs: list[tuple[str, str]], max_length: int) -> list[dict]:
    """Each pair -> {"input_ids": [CLS] source [SEP], "labels": target [SEP]} (the decoder's [CLS]
    start token is added by shifting the labels right)."""
    return [{"input_ids": tokenizer.encode(source, max_length=max_length, truncation=True),
             "labels": tokenizer.encode(target, max_length=max_length, truncation=True)[1:]}
            for source, target in pairs]


def collate(features: list[dict], pad_token_id: int) -> dict[str, torch.Tensor]:
    """Pad to the batch's longest: sources with [PAD] and a 0 mask, labels with -100 (no loss)."""
    source_len = max(len(f["input_ids"]) for f in features)
    target_len = max(len(f["labels"]) for f in features)
    input_ids = torch.full((len(features), source_len), pad_token_id)  # (B, S)
    labels = torch.full((len(features), target_len), IGNORE_INDEX)      # (B, T)
    for row, feature in enumerate(features):
        input_ids[row, :len(feature["input_ids"])] = torch.tensor(feature["input_ids"])
        labels[row, :len(feature["labels"])] = torch.tensor(feature["labels"])
    return {"input_ids": input_ids, "attention_mask": (input_ids != pad_token_id).long(), "labels": labels}


def translate(model: EncoderDecoderModel, tokenizer: BertTokenizer, sources: list[str], max_length: int = 48,
              num_beams: int = 1, batch_size: int = 64) -> list[str]:
    """Translate ``sources`` (greedy, or beam search with ``num_beams`` > 1) into text."""
    translations = []
    device = next(model.parameters()).device
    for start in range(0, len(sources), batch_size):
        batch = tokenizer(sources[start:start + batch_size], padding=True, truncation=True,
                          max_length=max_length, return_tensors="pt")
        ids = model.generate(batch["input_ids"].to(device), batch["attention_mask"].to(device),
                             max_length=max_length, num_beams=num_beams)
        translations += tokenizer.batch_decode(ids.tolist(), skip_special_tokens=True)
    return translations


def corpus_bleu(hypotheses: list[str], references: list[str]) -> float:
    """sacreBLEU's corpus BLEU (0-100) of detokenized hypotheses against one reference each."""
    import sacrebleu

    return sacrebleu.corpus_bleu(hypotheses, [references]).score


def warm_start(checkpoint: str | os.PathLike, tokenizer: BertTokenizer,
               ) -> tuple[EncoderDecoderModel, dict[str, LoadingInfo]]:
    """BERT2BERT from one checkpoint folder; the warnings of the load become the returned report."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return EncoderDecoderModel.from_encoder_decoder_pretrained(
            checkpoint, checkpoint, tokenizer.cls_token_id, tokenizer.pad_token_id, tokenizer.sep_token_id)


def cold_start(config: BertConfig, tokenizer: BertTokenizer, seed: int) -> EncoderDecoderModel:
    """The same architecture with every weight random (N(0, initializer_range), as BERT's own init)."""
    torch.manual_seed(seed)
    return EncoderDecoderModel(EncoderDecoderConfig(config, config, tokenizer.cls_token_id,
                                                    tokenizer.pad_token_id, tokenizer.sep_token_id))


def train_translation(model: EncoderDecoderModel, tokenizer: BertTokenizer, train_pairs: list[tuple[str, str]],
                      dev_pairs: list[tuple[str, str]], args: TrainingArguments,
                      max_length: int = 48) -> TranslationResult:
    """Teacher-forced training for ``args``' budget, then greedy dev translations and their BLEU."""
    features = encode_pairs(tokenizer, train_pairs, max_length)
    trainer = Trainer(model, args, features, lambda batch: collate(batch, tokenizer.pad_token_id))
    history = trainer.train()
    translations = translate(model, tokenizer, [source for source, _ in dev_pairs], max_length)
    return TranslationResult(corpus_bleu(translations, [target for _, target in dev_pairs]), translations,
                             history)
