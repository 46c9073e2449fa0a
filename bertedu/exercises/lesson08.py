"""Exercises for lesson 08 (fine-tuning for classification): the [CLS] classifier, the fine-tuning
learning-rate schedule, the confusion matrix, and a tutorial's training step and output layer fixed.

Each ``check_...`` function runs the learner's function on a few cases and compares it with the
reference below: it prints "Correct!" and returns True, prints a hint and returns False while the
function still raises NotImplementedError, and raises ``ExerciseFailed`` saying what is wrong otherwise.
``solution(name)`` prints a reference answer.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from ..trainer import linear_schedule_with_warmup
from . import fail, not_attempted, passed, randomize_, solution_of


def classify_cls(last_hidden_state: torch.Tensor, pooler_dense: nn.Linear, classifier: nn.Linear) -> torch.Tensor:
    """Logits of BERT's sentence classifier: the [CLS] vector -> pooler (dense + tanh) -> linear."""
    cls_vector = last_hidden_state[:, 0]             # (B, H): the first token is [CLS]
    pooled = torch.tanh(pooler_dense(cls_vector))    # (B, H)
    return classifier(pooled)                        # (B, num_labels)


def learning_rate(step: int, peak: float, warmup_steps: int, total_steps: int) -> float:
    """The rate used at update ``step`` (0, 1, ...): linear warmup from 0 to ``peak`` over
    ``warmup_steps``, then linear decay to 0 at ``total_steps``."""
    if step < warmup_steps:
        return peak * step / warmup_steps
    return peak * max(0.0, (total_steps - step) / (total_steps - warmup_steps))


def confusion_matrix(predictions: torch.Tensor, labels: torch.Tensor, num_labels: int) -> torch.Tensor:
    """Counts (num_labels, num_labels): row = the true class, column = the predicted class."""
    matrix = torch.zeros(num_labels, num_labels, dtype=torch.long)
    for true, predicted in zip(labels.tolist(), predictions.tolist()):
        matrix[true, predicted] += 1
    return matrix


def classification_loss(model: nn.Module, tokenizer, sentences: list[str], labels: torch.Tensor) -> torch.Tensor:
    """The loss of one fine-tuning step: the sentences as ONE padded batch (the tokenizer's
    ``__call__``; ``encode_plus`` took one text and is gone from transformers 5) through a model
    WITH a classification head (a bare BertModel has no ``logits``)."""
    batch = tokenizer(list(sentences), padding=True, truncation=True, return_tensors="pt")  # (B, T) each
    return model(**batch, labels=labels).loss                                               # scalar


def paper_output_layer(C: torch.Tensor, W: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """log softmax(C W^T + b), the paper's section 4.1: C (B, H) the pooled [CLS] vector, W (K, H)."""
    return torch.log_softmax(C @ W.T + b, dim=-1)  # (B, K): the loss is minus the true class's entry


SOLUTIONS = {"classify_cls": classify_cls, "learning_rate": learning_rate,
             "confusion_matrix": confusion_matrix, "classification_loss": classification_loss,
             "paper_output_layer": paper_output_layer}


def solution(name: str) -> str:
    """Print the reference solution of exercise ``name`` (one of SOLUTIONS)."""
    return solution_of(SOLUTIONS, "08", name)



def _close(result, expected: torch.Tensor) -> bool:
    return (isinstance(result, torch.Tensor) and result.shape == expected.shape
            and torch.allclose(result, expected, atol=1e-5, rtol=0.0))


def check_classify_cls(fn: Callable) -> bool:
    """Check ``fn(last_hidden_state, pooler_dense, classifier)`` on random vectors and layers."""
    generator = torch.Generator().manual_seed(0)
    hidden = torch.randn(3, 5, 8, generator=generator)  # (B, T, H)
    pooler_dense, classifier = nn.Linear(8, 8), nn.Linear(8, 2)
    randomize_(generator, pooler_dense, classifier)
    with torch.no_grad():
        try:
            result = fn(hidden, pooler_dense, classifier)
        except NotImplementedError:
            return not_attempted("classify_cls", fn)
        expected = classify_cls(hidden, pooler_dense, classifier)
        if _close(result, expected):
            return passed("[CLS]'s final vector, through the pooler's dense layer and tanh, then the "
                          "new linear layer: the only new parameters fine-tuning adds for SST-2.")
        mistakes = [
            (classifier(pooler_dense(hidden[:, 0])), "the pooler's tanh is missing: tanh(dense(h_cls))"),
            (classifier(hidden[:, 0]), ("the pooler is skipped: pass the [CLS] vector through "
                                        "tanh(pooler_dense(.)) before the classifier")),
            (classifier(torch.tanh(pooler_dense(hidden.mean(1)))),
             "that averages all tokens; BERT classifies the first token's vector: last_hidden_state[:, 0]"),
            (classifier(torch.tanh(pooler_dense(hidden[:, -1]))),
             "that is the last token; [CLS] is the first one: last_hidden_state[:, 0]"),
        ]
    for value, hint in mistakes:
        if _close(result, value):
            fail(hint)
    if not isinstance(result, torch.Tensor) or result.shape != expected.shape:
        shape = tuple(result.shape) if isinstance(result, torch.Tensor) else type(result).__name__
        fail(f"classify_cls must return logits of shape (batch, num_labels) = {tuple(expected.shape)}, got {shape}")
    fail("wrong numbers: the answer is classifier(tanh(pooler_dense(last_hidden_state[:, 0])))")


def check_learning_rate(fn: Callable[[int, float, int, int], float]) -> bool:
    """Check ``fn(step, peak, warmup_steps, total_steps)`` at every step of two schedules, against
    the rates the course's Trainer uses."""
    try:
        fn(0, 1e-4, 10, 100)
    except NotImplementedError:
        return not_attempted("learning_rate", fn)
    for peak, warmup, total in ((1e-4, 10, 100), (5e-5, 3, 12)):
        optimizer = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=peak)
        scheduler = linear_schedule_with_warmup(optimizer, warmup, total)
        for step in range(total + 1):
            expected = scheduler.get_last_lr()[0]
            got = fn(step, peak, warmup, total)
            if not isinstance(got, (int, float)) or abs(got - expected) > 1e-12:
                if step < warmup:
                    hint = "during warmup the rate grows linearly from 0: peak * step / warmup_steps"
                elif step == warmup:
                    hint = "the rate reaches the peak exactly when warmup ends"
                else:
                    hint = ("after warmup it falls linearly to 0 at total_steps: "
                            "peak * (total_steps - step) / (total_steps - warmup_steps)")
                fail(f"learning_rate({step}, {peak}, {warmup}, {total}) should be {expected:.4g}, "
                     f"got {got!r}: {hint}")
            optimizer.step()
            scheduler.step()
    return passed("warmup then linear decay, the schedule of BERT's pretraining and fine-tuning code.")


def check_confusion_matrix(fn: Callable[[torch.Tensor, torch.Tensor, int], torch.Tensor]) -> bool:
    """Check ``fn(predictions, labels, num_labels)`` on a few hand-made and random cases."""
    generator = torch.Generator().manual_seed(0)
    cases = [(torch.tensor([0, 1, 1, 1, 0]), torch.tensor([0, 1, 0, 1, 1]), 2),
             (torch.tensor([2, 2, 0]), torch.tensor([2, 2, 2]), 3),
             (torch.randint(0, 4, (50,), generator=generator), torch.randint(0, 4, (50,), generator=generator), 4)]
    try:
        fn(*cases[0])
    except NotImplementedError:
        return not_attempted("confusion_matrix", fn)
    for predictions, labels, num_labels in cases:
        expected = confusion_matrix(predictions, labels, num_labels)
        result = fn(predictions, labels, num_labels)
        if isinstance(result, torch.Tensor) and result.shape == expected.shape and torch.equal(result.long(), expected):
            continue
        if isinstance(result, torch.Tensor) and result.shape == expected.shape and torch.equal(result.long(), expected.T):
            fail("rows and columns are swapped: row = the true class, column = the predicted class "
                 "(so the diagonal holds the correct predictions and row i sums to the number of class-i examples)")
        if not isinstance(result, torch.Tensor) or result.shape != expected.shape:
            fail(f"return a ({num_labels}, {num_labels}) tensor of counts, one row and one column per class")
        fail(f"predictions {predictions.tolist()}, labels {labels.tolist()}: expected\n{expected}\ngot\n{result}")
    return passed("the diagonal counts the right answers; off-diagonal cell (i, j) counts class i taken for j.")


def _tiny_classifier():
    """A small random BertForSequenceClassification and the course tokenizer (data/vocab.txt)."""
    from ..config import BertConfig
    from ..course import data_path
    from ..finetuning.models import BertForSequenceClassification
    from ..tokenizer import BertTokenizerFast
    tokenizer = BertTokenizerFast(data_path("vocab.txt"))
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=64, num_labels=2, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    torch.manual_seed(0)
    return BertForSequenceClassification(config).eval(), tokenizer


def check_classification_loss(fn: Callable) -> bool:
    """Check ``fn(model, tokenizer, sentences, labels)`` on sentences of different lengths."""
    model, tokenizer = _tiny_classifier()
    sentences = ["a warm , funny film", "the plot is thin and the jokes fall flat", "not bad"]
    labels = torch.tensor([1, 0, 1])
    with torch.no_grad():
        try:
            result = fn(model, tokenizer, sentences, labels)
        except NotImplementedError:
            return not_attempted("classification_loss", fn)
        except (AttributeError, TypeError, ValueError) as error:
            fail(f"it raised {type(error).__name__}: {error}. Tokenize the list in one call, "
                 "tokenizer(sentences, padding=True, truncation=True, return_tensors='pt'), and let the "
                 "classification model compute the loss: model(**batch, labels=labels).loss")
        expected = classification_loss(model, tokenizer, sentences, labels)
        first_only = classification_loss(model, tokenizer, sentences[:1], labels[:1])
    if not isinstance(result, torch.Tensor) or result.numel() != 1:
        fail("return the loss, a single number (a 0-dimensional tensor)")
    if torch.allclose(result, first_only, atol=1e-6):
        fail("that is the loss of the first sentence only: the batch must hold every sentence")
    if not torch.allclose(result.reshape(()), expected, atol=1e-5):
        fail(f"loss {float(result):.4f}, expected {float(expected):.4f}: pad the batch (padding=True) so "
             "that the attention mask hides the padding, and take the mean cross-entropy over the batch")
    return passed("one padded batch, a model with a head, and its loss: what the tutorial meant.")


def check_paper_output_layer(fn: Callable) -> bool:
    """Check ``fn(C, W, b)`` against log softmax(C W^T + b)."""
    generator = torch.Generator().manual_seed(0)
    C = torch.tanh(torch.randn(4, 8, generator=generator))  # (B, H): pooled vectors are in (-1, 1)
    W, b = torch.randn(2, 8, generator=generator), torch.randn(2, generator=generator)
    try:
        result = fn(C, W, b)
    except NotImplementedError:
        return not_attempted("paper_output_layer", fn)
    expected = paper_output_layer(C, W, b)
    mistakes = [(torch.softmax(C @ W.T + b, -1), "those are probabilities; the loss wants their log: log_softmax"),
                (C @ W.T + b, "those are the logits C W^T + b; the paper's layer ends in log(softmax(.))"),
                (torch.log_softmax(torch.tanh(C @ W.T + b), -1),
                 "no tanh here: C is already the pooled vector tanh(W_p h_[CLS]); the new layer is linear")]
    if _close(result, expected):
        return passed("one linear map and a (log-)softmax: everything else of the tutorial's formula was extra.")
    for value, hint in mistakes:
        if _close(result, value):
            fail(hint)
    fail("expected log_softmax(C @ W.T + b, dim=-1), shape (batch, K)")
