"""Held-out masked-LM evaluation of a saved checkpoint folder: accuracy on [MASK]ed word pieces only.

The BERT paper (section 3.1, Task #1) trains on 15 % of the positions, of which 80 % become [MASK],
10 % a random token and 10 % stay unchanged. Scoring all of them mixes in the unchanged 10 %, which
the model *sees*, so it flatters the model. This harness asks only real questions: every chosen
position is replaced by [MASK] and accuracy and loss are measured there, beside two baselines
measured on the same positions:

- most frequent token: always answer the most frequent word piece of the *training* corpus (under
  the checkpoint's tokenizer; usually "the"), the accuracy of a model that ignores its input;
- unigram loss: the cross-entropy of the training corpus's word-piece frequencies (add-one
  smoothed), the loss of the same input-blind model.

A model that beats both uses context. The text is one document per line; for WikiText
(``--format wikitext``, the default) headings are skipped, ``@-@``/``@,@``/``@.@`` are joined and
``<unk>`` becomes [UNK] as in ``bertedu.corpus.read_wikitext``; only lines of more than
``min_words`` (20) words are scored. Lines longer than ``max_length - 2`` pieces are cut into
consecutive windows, each scored as "[CLS] window [SEP]". The positions come from a
``numpy.random.default_rng(seed)``: a fixed seed gives the same questions and the same numbers.

    python benchmarks/mlm_eval.py runs/pretrain                       # WikiText-2 valid vs test
    python benchmarks/mlm_eval.py runs/pretrain --eval-file valid.txt --train-file test.txt
"""

from __future__ import annotations

import argparse
import json
import math
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

WIKITEXT = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "wikitext-2"
_HEADING = re.compile(r"^ ?=( =)* .* =( =)* ?$")
_JOINS = ((" @-@ ", "-"), (" @,@ ", ","), (" @.@ ", "."))


def read_lines(path: str | Path, format: str = "wikitext", min_words: int = 0) -> list[str]:
    """The documents of a one-document-a-line file with more than ``min_words`` words."""
    if format not in ("wikitext", "text"):
        raise ValueError(f"format must be 'wikitext' or 'text', got {format!r}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"text file {path} not found")
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or (format == "wikitext" and _HEADING.match(" " + line + " ")):
            continue
        if len(line.split()) <= min_words:
            continue
        if format == "wikitext":
            for tokenized, joined in _JOINS:
                line = line.replace(tokenized, joined)
            line = line.replace("<unk>", "[UNK]")
        lines.append(line)
    return lines


def load_checkpoint(folder: str | Path, library: str = "transformers"):
    """(model, tokenizer) of a checkpoint folder: a ``BertForMaskedLM`` in eval mode and the
    transformers fast tokenizer of its vocab.txt (both libraries read the same files)."""
    import transformers
    transformers.logging.set_verbosity_error()  # the unused NSP/pooler weights are expected
    tokenizer = transformers.BertTokenizerFast.from_pretrained(folder)
    if library == "transformers":
        model = transformers.BertForMaskedLM.from_pretrained(folder)
    elif library == "bertedu":
        from bertedu.pretraining import BertForMaskedLM
        model = BertForMaskedLM.from_pretrained(folder)
    else:
        raise ValueError(f"library must be 'transformers' or 'bertedu', got {library!r}")
    return model.eval(), tokenizer


def token_counts(lines: Sequence[str], tokenizer) -> torch.Tensor:
    """(V,) how often each word piece occurs in ``lines`` (no special tokens added)."""
    counts = torch.zeros(len(tokenizer), dtype=torch.long)
    for ids in tokenizer(list(lines), add_special_tokens=False)["input_ids"]:
        counts += torch.bincount(torch.tensor(ids, dtype=torch.long), minlength=len(tokenizer))
    return counts


def unaskable_ids(tokenizer, ask_unk: bool = True) -> set[int]:
    """The ids never asked about: [CLS], [SEP], [PAD], [MASK], and [UNK] unless ``ask_unk``.

    BERT's own masking (create_pretraining_data.py) may choose an [UNK] position, and WikiText
    replaced 6 % of its words by <unk>, so by default an [UNK] is a question like any other word:
    the answer "an unknown word is here" is learned from context (names, rare words)."""
    ids = set(tokenizer.all_special_ids)
    if ask_unk:
        ids.discard(tokenizer.unk_token_id)
    return ids


def masked_windows(lines: Sequence[str], tokenizer, seed: int = 0, mask_prob: float = 0.15,
                   max_length: int = 128, ask_unk: bool = True) -> list[tuple[list[int], list[int], list[int]]]:
    """[(input_ids, positions, labels)]: each line cut into windows of ``max_length - 2`` pieces,
    ``max(1, round(mask_prob * n))`` of a window's n askable pieces replaced by [MASK]."""
    rng = np.random.default_rng(seed)
    special = unaskable_ids(tokenizer, ask_unk)
    windows = []
    for ids in tokenizer(list(lines), add_special_tokens=False)["input_ids"]:
        for start in range(0, len(ids), max_length - 2):
            piece = [tokenizer.cls_token_id, *ids[start:start + max_length - 2], tokenizer.sep_token_id]
            candidates = [i for i, token in enumerate(piece) if token not in special]
            if not candidates:
                continue
            count = max(1, round(mask_prob * len(candidates)))
            positions = sorted(int(p) for p in rng.choice(candidates, size=count, replace=False))
            labels = [piece[p] for p in positions]
            for p in positions:
                piece[p] = tokenizer.mask_token_id
            windows.append((piece, positions, labels))
    return windows


@torch.no_grad()
def evaluate(model, tokenizer, lines: Sequence[str], train_counts: torch.Tensor, seed: int = 0,
             mask_prob: float = 0.15, max_length: int = 128, batch_size: int = 64,
             ask_unk: bool = True) -> dict[str, float]:
    """MLM accuracy and loss on the [MASK]ed positions, and the two input-blind baselines there."""
    if train_counts.sum() == 0:
        raise ValueError("the training corpus has no tokens under this tokenizer")
    windows = masked_windows(lines, tokenizer, seed, mask_prob, max_length, ask_unk)
    if not windows:
        raise ValueError("no text to evaluate: every line was empty or filtered out")
    windows.sort(key=lambda window: len(window[0]))  # similar lengths batch with little padding
    unigram = (train_counts.double() + 1) / (train_counts.sum() + len(train_counts))  # (V,) add-one
    special = torch.tensor(sorted(unaskable_ids(tokenizer, ask_unk)))
    frequency = train_counts.clone()
    frequency[special] = -1
    most_frequent = int(frequency.argmax())
    correct = loss = baseline_correct = unigram_loss = count = 0.0
    for start in range(0, len(windows), batch_size):
        batch = windows[start:start + batch_size]
        length = max(len(ids) for ids, _, _ in batch)
        input_ids = torch.full((len(batch), length), tokenizer.pad_token_id)      # (B, T)
        attention_mask = torch.zeros(len(batch), length, dtype=torch.long)        # (B, T)
        selected = torch.zeros(len(batch), length, dtype=torch.bool)              # (B, T)
        for row, (ids, positions, _) in enumerate(batch):
            input_ids[row, :len(ids)] = torch.tensor(ids)
            attention_mask[row, :len(ids)] = 1
            selected[row, positions] = True
        target = torch.tensor([label for _, _, labels in batch for label in labels])  # (N,)
        hidden = model.bert(input_ids=input_ids, attention_mask=attention_mask,
                            token_type_ids=torch.zeros_like(input_ids))[0]          # (B, T, H)
        logits = model.cls(hidden[selected]).float()                               # (N, V)
        loss += F.cross_entropy(logits, target, reduction="sum").item()
        correct += (logits.argmax(-1) == target).sum().item()
        baseline_correct += (target == most_frequent).sum().item()
        unigram_loss += -unigram[target].log().sum().item()
        count += target.numel()
    return {"mlm_accuracy": correct / count, "mlm_loss": loss / count,
            "most_frequent_token": tokenizer.convert_ids_to_tokens(most_frequent),
            "most_frequent_accuracy": baseline_correct / count, "unigram_loss": unigram_loss / count,
            "masked_positions": int(count), "windows": len(windows)}


def evaluate_folder(folder: str | Path, eval_file: str | Path = WIKITEXT / "valid.txt",
                    train_file: str | Path = WIKITEXT / "test.txt", format: str = "wikitext",
                    min_words: int = 20, seed: int = 0, library: str = "transformers",
                    **options) -> dict[str, float]:
    """Load ``folder``, count the training corpus's word pieces, score the held-out lines."""
    model, tokenizer = load_checkpoint(folder, library)
    train_counts = token_counts(read_lines(train_file, format), tokenizer)
    lines = read_lines(eval_file, format, min_words)
    return evaluate(model, tokenizer, lines, train_counts, seed=seed, **options)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="a checkpoint folder (config.json, model.safetensors, vocab.txt)")
    parser.add_argument("--eval-file", default=str(WIKITEXT / "valid.txt"))
    parser.add_argument("--train-file", default=str(WIKITEXT / "test.txt"),
                        help="the training corpus, for the baselines (default WikiText-2 test.txt)")
    parser.add_argument("--format", choices=("wikitext", "text"), default="wikitext")
    parser.add_argument("--min-words", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--library", choices=("transformers", "bertedu"), default="transformers")
    parser.add_argument("--skip-unk", action="store_true",
                        help="never ask about [UNK] positions (default: they are questions like any word)")
    parser.add_argument("--max-length", type=int, default=128,
                        help="pieces per window, [CLS] and [SEP] included (default 128); a model trained on "
                             "shorter pairs has no trained position beyond its length")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    result = evaluate_folder(args.folder, args.eval_file, args.train_file, args.format, args.min_words,
                             args.seed, args.library, ask_unk=not args.skip_unk, max_length=args.max_length)
    print(json.dumps(result))
    print(f"[MASK]-only accuracy {result['mlm_accuracy']:.2%} (always {result['most_frequent_token']!r}: "
          f"{result['most_frequent_accuracy']:.2%}); loss {result['mlm_loss']:.3f} (unigram "
          f"{result['unigram_loss']:.3f}); {result['masked_positions']} positions, e^loss "
          f"{math.exp(result['mlm_loss']):.0f}")
    return result


if __name__ == "__main__":
    main()
