"""[MASK]-only held-out accuracy, and the baseline it must beat.

MLM accuracy over all predicted positions mixes three questions (BERT paper, appendix A.1): the
80 % of positions shown as [MASK], the 10 % shown a random word and the 10 % shown the right word,
which a model can simply copy. Counting only the [MASK] positions asks the one real question, "which
word is hidden here?", and it is what the family lesson compares. A model that always answers the
corpus's most frequent word sets the floor.
"""

from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import Sequence

import torch

from ..inference import eval_mode
from ..labels import IGNORE_INDEX


def mask_only_accuracy(model: torch.nn.Module, batches: Sequence[dict[str, torch.Tensor]],
                       mask_token_id: int) -> float:
    """The fraction of labelled positions whose input is [MASK] that the model's top word gets right.
    Token types go to models that take them (not DistilBERT)."""
    takes_token_types = "token_type_ids" in inspect.signature(model.forward).parameters
    correct = total = 0
    with eval_mode(model) as device:
        for batch in batches:
            inputs = {"input_ids": batch["input_ids"].to(device), "attention_mask": batch["attention_mask"].to(device)}
            if takes_token_types and "token_type_ids" in batch:
                inputs["token_type_ids"] = batch["token_type_ids"].to(device)
            outputs = model(**inputs)
            logits = getattr(outputs, "prediction_logits", None)
            logits = outputs.logits if logits is None else logits                        # (B, T, V)
            labels = batch["labels"].to(device)                                            # (B, T)
            asked = (labels != IGNORE_INDEX) & (inputs["input_ids"] == mask_token_id)    # (B, T)
            correct += int((logits[asked].argmax(-1) == labels[asked]).sum())
            total += int(asked.sum())
    if total == 0:
        raise ValueError("the batches have no labelled [MASK] positions to score")
    return correct / total


def most_frequent_token(documents: Sequence[Sequence[str]], tokenizer) -> int:
    """The id of the corpus's most frequent token (the baseline's one answer)."""
    counts = Counter(token for document in documents for sentence in document
                     for token in tokenizer.tokenize(sentence))
    return tokenizer.convert_tokens_to_ids(counts.most_common(1)[0][0])


def constant_answer_accuracy(batches: Sequence[dict[str, torch.Tensor]], token_id: int,
                             mask_token_id: int) -> float:
    """[MASK]-only accuracy of always answering ``token_id``."""
    asked = [batch["labels"][(batch["labels"] != IGNORE_INDEX) & (batch["input_ids"] == mask_token_id)]
             for batch in batches]
    labels = torch.cat(asked)
    return float((labels == token_id).float().mean())
