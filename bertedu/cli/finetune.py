"""``python -m bertedu finetune``: fine-tune a BERT checkpoint on SST-2, polarity, CoNLL-2003 or SQuAD.

    python -m bertedu finetune --task sst2 --model data/course-bert-tiny --lr 1e-3 --output runs/sst2
    python -m bertedu finetune --task polarity --model data/course-bert --lr 1e-3 --output runs/polarity
    python -m bertedu finetune --task sst2 --model bert-base-uncased/ --train SST-2/train.tsv \\
        --eval SST-2/dev.tsv --max-train-examples 3000 --epochs 2 --max-length 64 --output runs/sst2-base
    python -m bertedu finetune --task squad --model DIR --train train-v2.0.json --eval dev-v2.0.json ...

``--model`` is any BERT checkpoint folder with its vocab.txt (the course's, or one downloaded from the
Hub, e.g. with ``huggingface_hub.snapshot_download("bert-base-uncased")``); a missing head is
initialised and reported. Without ``--train`` the course's copy of the task in ``data/`` is used
(and its dev file for evaluation): a sample in ``data/samples/``, or for polarity the whole dataset
in ``data/sentence_polarity/`` (its test split: ``--eval data/sentence_polarity/test.tsv.gz``);
``bertedu.downloads`` fetches the full SST-2 and SQuAD where there is a network. The output folder loads with
``transformers.BertFor...from_pretrained`` and holds metrics.json, history.json and learning_curve.png.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import distributed
from ..finetuning.run import TASKS, finetune, finetuning_arguments, get_task, loading_report
from .inputs import check_checkpoint_folder, reading


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", required=True, choices=tuple(TASKS),
                        help="sst2: sentiment (accuracy); polarity: sentiment on Pang & Lee's snippets, "
                             "shipped whole (accuracy); conll: named entities (entity F1); "
                             "squad: question answering (EM/F1, v1.1 or v2.0)")
    parser.add_argument("--model", required=True, metavar="DIR",
                        help="BERT checkpoint folder: config.json, model.safetensors (or "
                             "pytorch_model.bin) and vocab.txt")
    parser.add_argument("--train", metavar="PATH", help="training file in the task's original format "
                        "(default: the course's copy in data/samples/ or data/sentence_polarity/)")
    parser.add_argument("--eval", metavar="PATH", help="evaluation file (default: the course's dev "
                        "file when --train is not given; else the metrics are on the training data)")
    parser.add_argument("--max-train-examples", type=int, metavar="N",
                        help="use only the first N training examples")
    parser.add_argument("--epochs", type=float, default=3.0, help="passes over the training data (default 3)")
    parser.add_argument("--max-length", type=int, metavar="L",
                        help="max tokens per input (default 128; squad 384)")
    parser.add_argument("--doc-stride", type=int, metavar="N",
                        help="squad only: tokens between the starts of two windows over a long context "
                             "(default a third of --max-length: 128 for 384)")
    parser.add_argument("--batch-size", type=int, default=32, help="examples per update (default 32)")
    parser.add_argument("--lr", type=float, default=5e-5,
                        help="peak learning rate (default 5e-5, the paper's for BERT-base; ~1e-3 for tiny models such as the course's)")
    parser.add_argument("--eval-every", type=int, metavar="N",
                        help="also evaluate every N updates (default: only at the end)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the head, dropout and order (default 0)")
    parser.add_argument("--output", required=True, metavar="DIR", help="folder for the fine-tuned model")
    parser.add_argument("--no-progress-bar", action="store_true", help="no tqdm progress bar")


def run(args: argparse.Namespace) -> int:
    # The task checks its options, TrainingArguments the numbers of the loop.
    options = {name: value for name, value in (("max_length", args.max_length), ("doc_stride", args.doc_stride))
               if value is not None}
    task = get_task(args.task, **options)
    training_args = finetuning_arguments(
        output_dir=args.output, learning_rate=args.lr, num_train_epochs=args.epochs,
        batch_size=args.batch_size, eval_every=args.eval_every, seed=args.seed,
        progress_bar=not args.no_progress_bar)
    if args.max_train_examples is not None and args.max_train_examples < 1:
        raise ValueError(f"--max-train-examples must be at least 1, got {args.max_train_examples}")
    if not (Path(args.model) / "config.json").is_file():
        raise FileNotFoundError(f"--model {args.model}: no config.json there; pass a BERT checkpoint folder")
    if Path(args.output).exists() and not Path(args.output).is_dir():
        raise NotADirectoryError(f"--output {args.output} is a file; pass a folder (it is created if missing)")
    check_checkpoint_folder(args.model)
    train_path = args.train or task.sample_path("train")
    eval_path = args.eval or (None if args.train else task.sample_path("dev"))
    with reading("--train", train_path):
        train_examples = task.read(train_path)[:args.max_train_examples]
    with reading("--eval", eval_path):
        eval_examples = task.read(eval_path) if eval_path else None
    if not train_examples:
        raise ValueError(f"{train_path} has no examples")
    if eval_path and not eval_examples:
        raise ValueError(f"{eval_path} has no examples")
    distributed.initialize()  # under torchrun: every rank trains, rank 0 alone reports and writes
    main = distributed.is_main_process()
    if main:
        print(f"{task.name}: {len(train_examples)} training examples from {train_path}; "
              + (f"{len(eval_examples)} evaluation examples from {eval_path}" if eval_path
                 else "no --eval: the final metrics are on the training data"))
    try:
        result = finetune(task, args.model, train_examples, eval_examples, training_args)
    except FloatingPointError as error:
        raise FloatingPointError(f"{error} (--lr {args.lr:g}); nothing was saved in {args.output}") from None
    if not main:
        return 0
    print(f"{args.model}: {loading_report(result.loading_info)}")
    metrics = result.metrics
    names = [name for name in (*task.metrics, "best_f1", "best_f1_threshold") if name in metrics]
    scores = ", ".join(f"{name} {metrics[name]:.4g}" for name in names)
    where = "held-out" if eval_path else "training-data"
    print(f"{metrics['step']} updates on {result.train_size} training inputs in "
          f"{metrics['train_seconds'] / 60:.1f} min; {where} {scores}")
    print(f"fine-tuned model: {args.output} (config.json with id2label, model.safetensors, vocab.txt, "
          "metrics.json, history.json, learning_curve.png)")
    return 0
