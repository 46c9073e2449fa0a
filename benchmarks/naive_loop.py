"""The issue's "naive transformers loop", rebuilt from its description, to find out what its 10.5 % measures.

Issue 11 reports that a naive loop with transformers on WikiText-2's test file reaches 10.5 % [MASK]
accuracy on the valid file after 602 updates, where bertedu's CLI stays near "the" (about 6 %). This
script rebuilds that loop from the issue's words, nothing more: a WordPiece vocabulary of 8,192 trained
by ``tokenizers`` on the raw file, batches of 32, segment A of up to 60 tokens plus one sentence B
(half the time the next one, half a random one), 80/10/10 masking of 15 % of the tokens, AdamW at a
constant 1e-3 with weight decay 0.01, gradient norm clipped to 1.0, full-vocabulary MLM logits plus
NSP, the course's tiny size (L=2, H=128, A=2, I=512).

The raw file writes an unknown word as ``<unk>``; BERT's pre-tokenizer splits punctuation, so a
vocabulary trained on the raw file cuts it into three pieces, ``<``, ``unk``, ``>``. A masked piece of
``<unk>`` is then given away by its neighbours. The script scores the saved folder with
``mlm_eval.py`` both ways: on the raw text (``<unk>`` as three pieces, which a naive evaluation does)
and with each piece's share of the accuracy shown apart.

    python benchmarks/naive_loop.py --output runs/naive --steps 602      # about 4 idle CPU minutes
    python benchmarks/naive_loop.py --score runs/pretrain                 # score another checkpoint the same way
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mlm_eval  # noqa: E402

UNK_PIECES = ("<", "unk", ">")


def documents(path: Path) -> list[list[str]]:
    """WikiText paragraphs (headings dropped) as lists of sentences, split after " . "."""
    lines = mlm_eval.read_lines(path, "text")
    return [[s.strip() + (" ." if not s.strip().endswith(".") else "") for s in line.split(" . ") if s.strip()]
            for line in lines if not line.startswith("=")]


def pairs(docs, tokenizer, rng: random.Random, max_a: int = 60, max_len: int = 128):
    """Endless (A ids, B ids, is_random) pairs: A up to ``max_a`` tokens of consecutive sentences."""
    encoded = [[tokenizer.encode(s, add_special_tokens=False).ids for s in doc] for doc in docs]
    encoded = [doc for doc in encoded if len(doc) >= 2]
    while True:
        doc = rng.choice(encoded)
        start = rng.randrange(len(doc) - 1)
        a, end = list(doc[start]), start + 1
        while end < len(doc) - 1 and len(a) + len(doc[end]) <= max_a:
            a, end = a + doc[end], end + 1
        a = a[:max_a]
        is_random = rng.random() < 0.5
        b = rng.choice(rng.choice(encoded)) if is_random else doc[end]
        yield a, b[:max_len - 3 - len(a)], int(is_random)


def batch_of(examples, tokenizer, vocab_size: int, generator: torch.Generator) -> dict[str, torch.Tensor]:
    cls, sep, pad, mask = (tokenizer.token_to_id(t) for t in ("[CLS]", "[SEP]", "[PAD]", "[MASK]"))
    rows = [([cls, *a, sep, *b, sep], [0] * (len(a) + 2) + [1] * (len(b) + 1), label) for a, b, label in examples]
    length = max(len(ids) for ids, _, _ in rows)
    input_ids = torch.full((len(rows), length), pad)                       # (B, T)
    token_type_ids = torch.zeros_like(input_ids)                           # (B, T)
    for row, (ids, types, _) in enumerate(rows):
        input_ids[row, :len(ids)], token_type_ids[row, :len(ids)] = torch.tensor(ids), torch.tensor(types)
    special = (input_ids == cls) | (input_ids == sep) | (input_ids == pad)
    chosen = (torch.rand(input_ids.shape, generator=generator) < 0.15) & ~special
    labels = torch.where(chosen, input_ids, torch.full_like(input_ids, -100))
    draw = torch.rand(input_ids.shape, generator=generator)
    masked = input_ids.clone()
    masked[chosen & (draw < 0.8)] = mask
    swap = chosen & (draw >= 0.8) & (draw < 0.9)
    masked[swap] = torch.randint(vocab_size, (int(swap.sum()),), generator=generator)
    return {"input_ids": masked, "attention_mask": (input_ids != pad).long(), "token_type_ids": token_type_ids,
            "labels": labels, "next_sentence_label": torch.tensor([label for _, _, label in rows])}


def unk_piece_breakdown(folder: Path, eval_file: Path, seed: int = 0) -> dict[str, float]:
    """Accuracy on the raw text's [MASK]s split into pieces of ``<unk>`` and every other piece."""
    model, tokenizer = mlm_eval.load_checkpoint(folder)
    lines = mlm_eval.read_lines(eval_file, "text", min_words=20)
    windows = mlm_eval.masked_windows(lines, tokenizer, seed)
    piece_ids = set(tokenizer.convert_tokens_to_ids(list(UNK_PIECES)))
    hits = {"unk_piece": [0, 0], "other": [0, 0]}
    with torch.no_grad():
        for ids, positions, labels in windows:
            logits = model(input_ids=torch.tensor([ids])).logits[0, positions]  # (N, V)
            for guess, label in zip(logits.argmax(-1).tolist(), labels):
                kind = "unk_piece" if label in piece_ids else "other"
                hits[kind][0] += guess == label
                hits[kind][1] += 1
    total = sum(n for _, n in hits.values())
    return {f"{kind}_share": n / total for kind, (_, n) in hits.items()} | {
        f"{kind}_accuracy": right / max(n, 1) for kind, (right, n) in hits.items()}


def main() -> None:
    import transformers
    from tokenizers import BertWordPieceTokenizer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(mlm_eval.WIKITEXT / "test.txt"))
    parser.add_argument("--eval-file", default=str(mlm_eval.WIKITEXT / "valid.txt"))
    parser.add_argument("--output", default="runs/naive")
    parser.add_argument("--steps", type=int, default=602)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--score", metavar="FOLDER", help="only score this checkpoint folder the same two ways")
    args = parser.parse_args()
    if args.score:
        raw = mlm_eval.evaluate_folder(args.score, args.eval_file, args.corpus, format="text")
        print(json.dumps({"raw_text": raw, "unk_pieces": unk_piece_breakdown(Path(args.score), Path(args.eval_file))},
                         indent=1))
        return
    torch.manual_seed(args.seed)
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    tokenizer = BertWordPieceTokenizer(lowercase=True)
    tokenizer.train([args.corpus], vocab_size=8192, show_progress=False)
    tokenizer.save_model(str(output))
    config = transformers.BertConfig(vocab_size=tokenizer.get_vocab_size(), hidden_size=128, num_hidden_layers=2,
                                     num_attention_heads=2, intermediate_size=512)
    model = transformers.BertForPreTraining(config).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    stream = pairs(documents(Path(args.corpus)), tokenizer, random.Random(args.seed))
    generator = torch.Generator().manual_seed(args.seed)
    start = time.perf_counter()
    for step in range(1, args.steps + 1):
        batch = batch_of([next(stream) for _ in range(32)], tokenizer, config.vocab_size, generator)
        loss = model(**batch).loss
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % 100 == 0:
            print(f"update {step}: loss {loss.item():.3f} ({time.perf_counter() - start:.0f} s)", flush=True)
    model.save_pretrained(output)
    raw = mlm_eval.evaluate_folder(output, args.eval_file, args.corpus, format="text")
    breakdown = unk_piece_breakdown(output, Path(args.eval_file))
    result = {"updates": args.steps, "train_seconds": round(time.perf_counter() - start), "raw_text": raw,
              "unk_pieces": breakdown}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
