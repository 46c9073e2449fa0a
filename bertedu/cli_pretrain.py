"""``python -m bertedu pretrain``: pretrain a BERT with MLM + NSP and write a checkpoint folder.

    python -m bertedu pretrain                                   # course corpus, tiny, a few minutes
    python -m bertedu pretrain --corpus wiki.valid.tokens --corpus-format wikitext \\
        --config mini --max-minutes 30 --output runs/wikitext-mini
    python -m bertedu pretrain --output runs/wikitext-mini --resume ...   # same arguments, continues

The vocabulary is ``--vocab``, else ``data/vocab.txt`` for the course corpus, else one trained on
the corpus. The folder loads with ``BertForPreTraining.from_pretrained`` in bertedu and transformers;
``DIR/checkpoint/`` holds the resumable state (optimizer, schedule, RNGs), which can be deleted.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .config import SIZES, BertConfig
from .corpus import FORMATS, course_corpus_files, read_corpus
from .course import DATA_DIR
from .pretrain import pretrain
from .tokenizer import BertTokenizer
from .trainer import TrainingArguments
from .vocab_training import train_wordpiece, write_vocab

CONFIGS = tuple(SIZES)  # tiny, mini, small, medium, base, large
# Arguments that may change between a run and its --resume; the others must match.
MAY_CHANGE_ON_RESUME = ("max_minutes", "resume", "no_progress_bar")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", action="extend", nargs="+", metavar="PATH",
                        help="corpus files, repeatable (default: the course corpus, data/corpus/*.txt)")
    parser.add_argument("--corpus-format", choices=FORMATS, default="bert",
                        help="bert: a sentence per line, blank line between documents (default); "
                             "wikitext: WikiText's files; text: plain text, a file per document")
    parser.add_argument("--vocab", metavar="PATH", help="vocab.txt or a tokenizer folder (default: "
                        "data/vocab.txt for the course corpus, else a WordPiece vocabulary trained "
                        "on the corpus)")
    parser.add_argument("--vocab-size", type=int, default=4000,
                        help="size of the vocabulary trained when there is none (default 4000)")
    parser.add_argument("--config", default="tiny", metavar="SIZE|JSON",
                        help="tiny|mini|small|medium|base|large (Google's BERT sizes: tiny L2/H128, mini "
                             "L4/H256, small L4/H512, base L12/H768) or a config.json (default tiny)")
    parser.add_argument("--max-steps", type=int, default=1000, help="optimizer updates (default 1000)")
    parser.add_argument("--max-minutes", type=float, help="stop after this long (then evaluate and save)")
    parser.add_argument("--batch-size", type=int, default=32, help="sequences per batch (default 32)")
    parser.add_argument("--gradient-accumulation-steps", type=int, default=1,
                        help="batches per update (default 1)")
    parser.add_argument("--seq-len", type=int, default=128, help="max tokens per pair (default 128)")
    parser.add_argument("--lr", type=float, default=1e-3,
                        help="peak learning rate (default 1e-3, for tiny/mini; use ~1e-4 for base)")
    parser.add_argument("--warmup-ratio", type=float, default=0.06,
                        help="fraction of the updates with linear warmup (default 0.06)")
    parser.add_argument("--weight-decay", type=float, default=0.01, help="AdamW weight decay (default 0.01)")
    parser.add_argument("--dupe-factor", type=int, default=5,
                        help="passes over the corpus cutting sentence pairs (default 5)")
    parser.add_argument("--eval-every", type=int, help="updates between evaluations (default max-steps/10)")
    parser.add_argument("--bf16", action="store_true", help="autocast to bfloat16")
    parser.add_argument("--seed", type=int, default=0, help="seed for data, masks and weights (default 0)")
    parser.add_argument("--output", default="runs/pretrain", metavar="DIR",
                        help="checkpoint folder (default runs/pretrain)")
    parser.add_argument("--resume", action="store_true",
                        help="continue the run in --output from its last checkpoint")
    parser.add_argument("--no-progress-bar", action="store_true", help="no tqdm progress bars")


def read_config(name: str) -> dict:
    """The config's fields: a size by name, or a config.json whose keys must all be BERT's."""
    if name in CONFIGS:
        return dict(SIZES[name])
    if not name.endswith(".json"):
        raise ValueError(f"--config must be one of {', '.join(CONFIGS)} or a .json file, got {name!r}")
    values = json.loads(Path(name).read_text(encoding="utf-8"))
    if not isinstance(values, dict):
        raise ValueError(f"{name} must hold a JSON object of BertConfig fields")
    unknown = BertConfig.from_dict(values, warn_unknown=False).extra  # also checks the values
    if unknown:
        raise ValueError(f"{name}: unknown config keys {', '.join(sorted(unknown))}")
    return values


def load_tokenizer(args: argparse.Namespace, documents: list[list[str]]) -> BertTokenizer:
    output = Path(args.output)
    if args.vocab:
        vocab = Path(args.vocab)
        return BertTokenizer.from_pretrained(vocab) if vocab.is_dir() else BertTokenizer(vocab)
    if args.resume and (output / "vocab.txt").is_file():
        return BertTokenizer.from_pretrained(output)
    if not args.corpus and (DATA_DIR / "vocab.txt").is_file():
        return BertTokenizer(DATA_DIR / "vocab.txt")
    print(f"training a {args.vocab_size}-token WordPiece vocabulary on the corpus")
    sentences = [sentence for document in documents for sentence in document]
    return BertTokenizer(write_vocab(train_wordpiece(sentences, args.vocab_size), output / "vocab.txt"))


def record_or_check_arguments(args: argparse.Namespace, arguments_file: Path) -> None:
    """Record a new run's arguments; on --resume, fail early if they changed (the run would differ)."""
    current = {k: v for k, v in vars(args).items() if k not in MAY_CHANGE_ON_RESUME and k != "module"}
    if not args.resume:
        arguments_file.parent.mkdir(parents=True, exist_ok=True)
        arguments_file.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")
        return
    if not arguments_file.is_file():
        raise FileNotFoundError(f"cannot resume: {arguments_file} not found; start the run without --resume")
    saved = json.loads(arguments_file.read_text(encoding="utf-8"))
    changed = [f"--{k.replace('_', '-')} {saved.get(k)!r} -> {v!r}" for k, v in current.items()
               if saved.get(k) != v]
    if changed:
        raise ValueError(f"--resume needs the arguments of the run it continues; changed: {'; '.join(changed)}")


def check_numbers(args: argparse.Namespace) -> None:
    for name, low in (("max_steps", 1), ("batch_size", 1), ("gradient_accumulation_steps", 1),
                      ("seq_len", 8), ("dupe_factor", 1), ("vocab_size", 10), ("eval_every", 1)):
        value = getattr(args, name)
        if value is not None and value < low:
            raise ValueError(f"--{name.replace('_', '-')} must be at least {low}, got {value}")
    for name in ("lr", "max_minutes"):
        if getattr(args, name) is not None and not getattr(args, name) > 0:
            raise ValueError(f"--{name.replace('_', '-')} must be > 0, got {getattr(args, name)}")


def run(args: argparse.Namespace) -> int:
    check_numbers(args)
    config_values = read_config(args.config)
    training_args = TrainingArguments(
        output_dir=args.output, learning_rate=args.lr, weight_decay=args.weight_decay,
        warmup_ratio=args.warmup_ratio, max_steps=args.max_steps, max_minutes=args.max_minutes,
        batch_size=args.batch_size, gradient_accumulation_steps=args.gradient_accumulation_steps,
        autocast="bf16" if args.bf16 else None, eval_every=args.eval_every or max(1, args.max_steps // 10),
        checkpoint_every=args.eval_every or max(1, args.max_steps // 10), seed=args.seed,
        progress_bar=not args.no_progress_bar)
    paths = args.corpus or course_corpus_files()
    documents = read_corpus(paths, args.corpus_format)
    if not documents:
        raise ValueError(f"the corpus ({len(paths)} file(s), format {args.corpus_format}) has no text")
    record_or_check_arguments(args, Path(args.output) / "checkpoint" / "arguments.json")
    tokenizer = load_tokenizer(args, documents)
    tokenizer.save_pretrained(args.output)  # so that --resume finds the same vocabulary
    config = BertConfig.from_dict({"vocab_size": len(tokenizer), **config_values}, warn_unknown=False)
    print(f"{len(documents)} documents from {len(paths)} file(s); vocabulary of {len(tokenizer)}; "
          f"BERT L={config.num_hidden_layers} H={config.hidden_size} A={config.num_attention_heads}")
    _, trainer = pretrain(documents, tokenizer, config, training_args, args.seq_len, resume=args.resume,
                          dupe_factor=args.dupe_factor)
    final = trainer.history["eval"][-1]
    stopped = f" (stopped by --max-minutes {args.max_minutes})" if trainer.stopped_early else ""
    print(f"step {trainer.step}/{trainer.max_steps}{stopped}, {final['train_seconds'] / 60:.1f} min of training")
    print(f"held-out MLM accuracy at [MASK] {final['mlm_accuracy']:.4f} (always the most frequent token: "
          f"{final['mlm_baseline_accuracy']:.4f}), MLM loss {final['mlm_loss']:.4f} (unigram "
          f"{final['mlm_unigram_loss']:.4f}); at random-replaced tokens {final['mlm_accuracy_random']:.4f}, "
          f"at unchanged ones {final['mlm_accuracy_unchanged']:.4f}; NSP accuracy {final['nsp_accuracy']:.4f} "
          f"(majority class {final['nsp_majority_accuracy']:.4f})")
    print(f"checkpoint: {args.output} (config.json, model.safetensors, vocab.txt; loss_curve.png); "
          f"resumable state in {Path(args.output) / 'checkpoint'}")
    return 0
