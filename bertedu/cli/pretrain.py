"""``python -m bertedu pretrain``: pretrain a BERT with MLM + NSP and write a checkpoint folder.

    python -m bertedu pretrain                                   # course corpus, tiny, a few minutes
    python -m bertedu pretrain --corpus wiki.valid.tokens --corpus-format wikitext \\
        --config mini --max-minutes 30 --output runs/wikitext-mini
    python -m bertedu pretrain --output runs/wikitext-mini --resume ...   # same arguments, continues

The defaults suit a few CPU minutes: pairs of 64 tokens, and a first third of the run with 15 % of
the words written as a marker (``pretraining.marker``). Long runs: ``--seq-len 128 --marker-rate 0``.

The vocabulary is ``--vocab``, else ``data/vocab.txt`` for the course corpus, else one trained on
the corpus. The folder loads with ``BertForPreTraining.from_pretrained`` in bertedu and transformers;
``DIR/checkpoint/`` holds the resumable state (optimizer, schedule, RNGs), which can be deleted.

Nothing is lost: every argument, the config and the corpus are checked before anything is written;
a folder that already holds a run is only continued (``--resume``) or replaced (``--overwrite``);
the folder is locked for the whole run; ``--resume`` compares the corpus by content (a SHA-256 of
its text), so a moved corpus resumes and a changed one is refused.
``torchrun --nproc_per_node=N -m bertedu pretrain ...`` trains data-parallel: ``--batch-size`` is
per process, rank 0 alone writes the folder, and ``--resume`` may use another number of processes.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
from pathlib import Path

from .. import distributed
from ..config import SIZES, BertConfig
from ..corpus import FORMATS, corpus_fingerprint, course_corpus_files, read_corpus
from ..course import DATA_DIR
from ..files import json_text, read_json, run_folder, write_file
from ..pretraining import marker
from ..pretraining.cache import default_cache_dir, tokenize_corpus
from ..pretraining.run import check_corpus, pretrain
from ..tokenizer.fast import BertTokenizerFast
from ..tokenizer.vocab import train_wordpiece, write_vocab
from ..trainer import TrainingArguments
from .inputs import reading

CONFIGS = tuple(SIZES)  # tiny, mini, small, medium, base, large
DEFAULT_STEPS = 1000
UNTIL_THE_CLOCK = 10**9  # --max-minutes without --max-steps: the time budget ends the run
CLOCK_EVAL_EVERY = 500   # held-out evaluations of a run the clock ends
# Arguments that may change between a run and its --resume; the others must match. The corpus is
# compared by content, not by its paths (a moved corpus or output folder still resumes).
MAY_CHANGE_ON_RESUME = ("max_minutes", "resume", "overwrite", "no_progress_bar", "corpus", "output",
                        "dataloader_num_workers", "cache_dir", "no_cache")
ARGUMENTS_FILE = Path("checkpoint") / "arguments.json"
# What a run writes in --output; --overwrite removes these (and nothing else) before the new run writes.
RUN_FILES = ("checkpoint", "config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json",
             "special_tokens_map.json", "training_args.json", "history.json", "loss_curve.png")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", action="extend", nargs="+", metavar="PATH",
                        help="corpus files, repeatable (default: the course corpus, data/corpus/*.txt)")
    parser.add_argument("--corpus-format", choices=FORMATS, default="bert",
                        help="bert: a sentence per line, blank line between documents (default); "
                             "wikitext: WikiText's files; text: plain text, a file per document")
    parser.add_argument("--vocab", metavar="PATH", help="vocab.txt or a tokenizer folder (default: "
                        "data/vocab.txt for the course corpus, else a WordPiece vocabulary trained "
                        "on the corpus)")
    parser.add_argument("--vocab-size", type=int, default=8192,
                        help="size of the vocabulary trained when there is none (default 8192)")
    parser.add_argument("--config", default="tiny", metavar="SIZE|JSON",
                        help="tiny|mini|small|medium|base|large (Google's BERT sizes: tiny L2/H128, mini "
                             "L4/H256, small L4/H512, base L12/H768) or a config.json (default tiny)")
    parser.add_argument("--max-steps", type=int,
                        help="optimizer updates (default 1000; with --max-minutes alone the clock sets the "
                             "length, and warmup and decay follow it)")
    parser.add_argument("--max-minutes", type=float, help="stop after this long (then evaluate and save)")
    parser.add_argument("--batch-size", type=int, default=32, help="sequences per batch (default 32)")
    parser.add_argument("--gradient-accumulation-steps", type=int, default=1, help="batches per update (default 1)")
    parser.add_argument("--seq-len", type=int, default=64, help="max tokens per pair (default 64: twice "
                        "the updates a CPU minute of BERT's 128, which long runs should use)")
    parser.add_argument("--lr", type=float, default=1e-3,
                        help="peak learning rate (default 1e-3, for tiny/mini; use ~1e-4 for base)")
    parser.add_argument("--warmup-ratio", type=float, default=0.06,
                        help="fraction of the updates with linear warmup (default 0.06)")
    parser.add_argument("--weight-decay", type=float, default=0.01, help="AdamW weight decay (default 0.01)")
    parser.add_argument("--dupe-factor", type=int, default=5, help="passes over the corpus cutting pairs (default 5)")
    parser.add_argument("--marker-rate", type=float, default=marker.MARKER_RATE, help="share of the words written "
                        f"as --marker in the run's first phase, off the unigram plateau sooner (default {marker.MARKER_RATE})")
    parser.add_argument("--marker-fraction", type=float, default=marker.MARKER_FRACTION, help="share of the run "
                        f"(updates or --max-minutes) that reads marked text (default {marker.MARKER_FRACTION:.2g})")
    parser.add_argument("--marker", default=marker.MARKER, help=f"the marker's text (default {marker.MARKER})")
    parser.add_argument("--eval-every", type=int, help="updates between evaluations (default max-steps/10)")
    parser.add_argument("--checkpoint-every", type=int,
                        help="updates between resumable checkpoints (default: as --eval-every)")
    parser.add_argument("--bf16", action="store_true", help="autocast to bfloat16")
    parser.add_argument("--dataloader-num-workers", type=int, default=0, metavar="N",
                        help="processes that mask batches ahead of a GPU (default 0: the training process)")
    parser.add_argument("--seed", type=int, default=0, help="seed for data, masks and weights (default 0)")
    parser.add_argument("--output", default="runs/pretrain", metavar="DIR",
                        help="checkpoint folder (default runs/pretrain)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --output from its last checkpoint")
    parser.add_argument("--overwrite", action="store_true", help="replace the run that --output already holds")
    parser.add_argument("--no-progress-bar", action="store_true", help="no tqdm progress bars")
    parser.add_argument("--cache-dir", metavar="DIR", help="keep tokenized corpora here: a second run on the same "
                        "text and vocabulary skips tokenizing (default $XDG_CACHE_HOME/bertedu/tokenized, "
                        "else ~/.cache/bertedu/tokenized)")
    parser.add_argument("--no-cache", action="store_true", help="tokenize the corpus, keep nothing")


def read_config(name: str) -> dict:
    """The config's fields: a size by name, or a config.json whose keys must all be BERT's."""
    if name in CONFIGS:
        return dict(SIZES[name])
    if not name.endswith(".json"):
        raise ValueError(f"--config must be one of {', '.join(CONFIGS)} or a .json file, got {name!r}")
    if not Path(name).is_file():
        raise FileNotFoundError(f"--config {name} not found; pass one of {', '.join(CONFIGS)} or a config.json")
    with reading("--config", name):
        values = read_json(name, "--config")
        if not isinstance(values, dict):
            raise ValueError("must hold a JSON object of BertConfig fields")
        unknown = BertConfig.from_dict(values, warn_unknown=False).extra  # also checks the values
    if unknown:
        raise ValueError(f"{name}: unknown config keys {', '.join(sorted(unknown))}")
    return values


def training_arguments(args: argparse.Namespace) -> TrainingArguments:
    """The Trainer's arguments; ``TrainingArguments`` checks every number."""
    max_steps = args.max_steps or (UNTIL_THE_CLOCK if args.max_minutes else DEFAULT_STEPS)
    eval_every = args.eval_every or (CLOCK_EVAL_EVERY if max_steps == UNTIL_THE_CLOCK else max(1, max_steps // 10))
    return TrainingArguments(
        output_dir=args.output, learning_rate=args.lr, weight_decay=args.weight_decay,
        warmup_ratio=args.warmup_ratio, max_steps=max_steps, max_minutes=args.max_minutes,
        batch_size=args.batch_size, gradient_accumulation_steps=args.gradient_accumulation_steps,
        autocast="bf16" if args.bf16 else None, eval_every=eval_every,
        checkpoint_every=args.checkpoint_every or eval_every, seed=args.seed,
        progress_bar=not args.no_progress_bar, dataloader_num_workers=args.dataloader_num_workers)


def check_output(args: argparse.Namespace, record: dict) -> None:
    """A new run needs an empty (or absent) folder or --overwrite; --resume needs the same run."""
    output, arguments_file = Path(args.output), Path(args.output) / ARGUMENTS_FILE
    if output.exists() and not output.is_dir():
        raise NotADirectoryError(f"--output {output} is a file; pass a folder (it is created if missing)")
    if args.resume and args.overwrite:
        raise ValueError("--resume continues the run in --output and --overwrite replaces it: pass one")
    if args.resume:
        if not arguments_file.is_file():
            raise FileNotFoundError(f"cannot resume: {arguments_file} not found; start the run without --resume")
        saved = read_json(arguments_file, "run arguments")
        changed = [f"--{k.replace('_', '-')} {saved.get(k)!r} -> {v!r}" for k, v in record.items()
                   if saved.get(k) != v]
        if changed:
            raise ValueError(f"--resume needs the arguments of the run it continues; changed: {'; '.join(changed)}")
    elif output.is_dir() and any(not p.name.startswith(".") for p in output.iterdir()) and not args.overwrite:
        raise FileExistsError(f"--output {output} already holds files: continue that run with --resume, "
                              "replace it with --overwrite, or choose another folder")


def clear_previous_run(output: Path) -> None:
    """--overwrite: remove the earlier run's files first, so that a new run that fails cannot leave
    its vocabulary beside the earlier run's weights (files of other names are left alone)."""
    for name in RUN_FILES:
        path = output / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


def pretraining_tokenizer(args: argparse.Namespace, documents: list[list[str]]) -> BertTokenizerFast:
    """The vocabulary to pretrain with: --vocab, the resumed run's, the course's, or one trained now.
    Data is prepared with the fast (Rust) tokenizer, which gives the same ids as ``BertTokenizer``."""
    if args.vocab:
        vocab = Path(args.vocab)
        if not vocab.exists():
            raise FileNotFoundError(f"--vocab {vocab} not found; pass a vocab.txt or a tokenizer folder")
        with reading("--vocab", vocab):
            return BertTokenizerFast.from_pretrained(vocab) if vocab.is_dir() else BertTokenizerFast(vocab)
    if args.resume and (Path(args.output) / "vocab.txt").is_file():
        return BertTokenizerFast.from_pretrained(args.output)
    if not args.corpus and (DATA_DIR / "vocab.txt").is_file():
        return BertTokenizerFast(DATA_DIR / "vocab.txt")
    print(f"training a {args.vocab_size}-token WordPiece vocabulary on the corpus")
    sentences = [sentence for document in documents for sentence in document]
    return BertTokenizerFast(write_vocab(train_wordpiece(sentences, args.vocab_size),
                                         Path(args.output) / "vocab.txt"))


def run(args: argparse.Namespace) -> int:
    # 1. Check everything before writing anything.
    training_args = training_arguments(args)
    for name, low in (("seq_len", 8), ("dupe_factor", 1), ("vocab_size", 10)):
        if getattr(args, name) < low:
            raise ValueError(f"--{name.replace('_', '-')} must be at least {low}, got {getattr(args, name)}")
    marker.check_marker_settings(args.marker_rate, args.marker_fraction)
    config_values = read_config(args.config)
    paths = args.corpus or course_corpus_files()
    documents = read_corpus(paths, args.corpus_format)
    check_corpus(documents, f"the corpus ({len(paths)} file(s), format {args.corpus_format})")
    record = {k: v for k, v in vars(args).items() if k not in MAY_CHANGE_ON_RESUME and k != "module"}
    # the corpus by content, and the config's contents: a changed config.json is caught too
    record.update(corpus_sha256=corpus_fingerprint(documents), config_values=config_values)
    distributed.initialize()  # under torchrun; every rank has checked before rank 0 writes
    check_output(args, record)
    distributed.barrier()
    # 2. One run per folder (rank 0 locks and writes it), then write.
    main = distributed.is_main_process()
    with run_folder(args.output) if main else contextlib.nullcontext():
        if main:
            if args.overwrite:
                clear_previous_run(Path(args.output))
            tokenizer = pretraining_tokenizer(args, documents)
            if args.marker_rate:  # a marker of one WordPiece is refused before more is written
                marker.marker_pieces(tokenizer, args.marker)
            write_file(Path(args.output) / ARGUMENTS_FILE, json_text(record))
            tokenizer.save_pretrained(args.output)  # so that --resume (and the other ranks) find it
        distributed.barrier()
        if not main:
            tokenizer = BertTokenizerFast.from_pretrained(args.output)
        cache_dir = None if args.no_cache else args.cache_dir or default_cache_dir()
        words, cache = tokenize_corpus(documents, tokenizer, cache_dir, progress_bar=not args.no_progress_bar)
        config = BertConfig.from_dict({"vocab_size": len(tokenizer), **config_values}, warn_unknown=False)
        effective = args.batch_size * distributed.world_size() * args.gradient_accumulation_steps
        if main:
            print(f"{len(documents)} documents from {len(paths)} file(s); vocabulary of {len(tokenizer)}; "
                  f"BERT L={config.num_hidden_layers} H={config.hidden_size} A={config.num_attention_heads}; "
                  f"{effective} sequences per update ({args.batch_size} per process x {distributed.world_size()} "
                  f"process(es) x {args.gradient_accumulation_steps} accumulated)"
                  + ("" if cache is None else f"; the corpus as WordPieces: {cache}"))
        try:
            _, trainer = pretrain(words, tokenizer, config, training_args, args.seq_len,
                                  resume=args.resume, dupe_factor=args.dupe_factor, marker_rate=args.marker_rate,
                                  marker=args.marker, marker_fraction=args.marker_fraction)
        except FloatingPointError as error:
            raise FloatingPointError(f"{error} (--lr {args.lr:g}); no model of this run was saved in "
                                     f"{args.output}: rerun with a lower --lr and --overwrite") from None
    if not main:
        return 0
    final = trainer.history["eval"][-1]
    stopped = f" (stopped by --max-minutes {args.max_minutes})" if trainer.stopped_early else ""
    planned = "" if trainer.max_steps == UNTIL_THE_CLOCK else f"/{trainer.max_steps}"
    print(f"step {trainer.step}{planned}{stopped}, {final['train_seconds'] / 60:.1f} min of training")
    print(f"held-out MLM accuracy at [MASK] {final['mlm_accuracy']:.4f} (always the most frequent token: "
          f"{final['mlm_baseline_accuracy']:.4f}), MLM loss {final['mlm_loss']:.4f} (unigram "
          f"{final['mlm_unigram_loss']:.4f}); at random-replaced tokens {final['mlm_accuracy_random']:.4f}, "
          f"at unchanged ones {final['mlm_accuracy_unchanged']:.4f}; NSP accuracy {final['nsp_accuracy']:.4f} "
          f"(majority class {final['nsp_majority_accuracy']:.4f})")
    print(f"checkpoint: {args.output} (config.json, model.safetensors, vocab.txt; loss_curve.png); "
          f"resumable state in {Path(args.output) / 'checkpoint'}")
    return 0
