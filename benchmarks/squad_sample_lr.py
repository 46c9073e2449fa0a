"""The learning rate of lesson 10's offline fine-tuning, chosen on the training sample alone.

Lesson 10 fine-tunes the course checkpoint (``data/course-bert``) and, as the control, the same
architecture from random initialisation on the 83 questions of ``data/samples/squad_train.json`` and
reports them on ``squad_dev.json``. Its learning rate must not be chosen on that dev file, so this
script splits the *training* questions by article: the first articles train, the last ones
(``--held-out-articles``, default 2) are held out, and each model is fine-tuned with every rate of
the grid with the lesson's other settings (128-token windows 64 apart, batch 16, ``--epochs``). It
prints, per rate, held-out F1 at τ = 0 beside always answering nothing, HasAns F1, best F1 over τ
and the held-out loss (lower: the model puts more probability on the right positions, including
[CLS] for "no answer"; with so few questions, the F1s often tie at the baseline, the loss does not).

    python benchmarks/squad_sample_lr.py --json benchmarks/results/squad_sample_lr_25k_cpu.json
    python benchmarks/squad_sample_lr.py --epochs 6 --lrs 3e-4 --json benchmarks/results/squad_sample_lr_6epochs_cpu.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bertedu.course import data_path  # noqa: E402
from bertedu.finetuning.run import finetune, finetuning_arguments  # noqa: E402
from bertedu.finetuning.squad import read_squad  # noqa: E402
from bertedu.finetuning.squad_task import SquadTask  # noqa: E402


def article_split(path: Path, held_out_articles: int) -> tuple[list, list]:
    """The questions of the first articles and those of the last ``held_out_articles`` articles."""
    articles = json.loads(path.read_text())["data"]
    held_out_contexts = {paragraph["context"] for article in articles[-held_out_articles:]
                         for paragraph in article["paragraphs"]}
    examples = read_squad(path)
    return ([e for e in examples if e.context not in held_out_contexts],
            [e for e in examples if e.context in held_out_contexts])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, default=ROOT / "data" / "course-bert")
    parser.add_argument("--lrs", type=float, nargs="+", default=[1e-4, 3e-4, 1e-3, 3e-3])
    parser.add_argument("--epochs", type=float, default=3.0)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--held-out-articles", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    train, held_out = article_split(data_path("samples", "squad_train.json"), args.held_out_articles)
    no_answer = 100.0 * sum(not e.answers for e in held_out) / len(held_out)
    print(f"{len(train)} training questions, {len(held_out)} held out; always '' scores F1 {no_answer:.1f}")
    task = SquadTask(max_length=128, doc_stride=64)
    rows = []
    for pretrained in (True, False):
        for lr in args.lrs:
            training = finetuning_arguments(learning_rate=lr, batch_size=args.batch_size,
                                            num_train_epochs=args.epochs, seed=args.seed, progress_bar=False)
            start = time.perf_counter()
            metrics = finetune(task, args.checkpoint, train, held_out, training, 128, pretrained=pretrained).metrics
            rows.append({"pretrained": pretrained, "lr": lr, "seconds": time.perf_counter() - start,
                         **{k: metrics[k] for k in ("loss", "f1", "HasAns_f1", "NoAns_f1", "best_f1")}})
            print(f"{'pretrained' if pretrained else 'random init':11} lr {lr:g}: held-out loss {metrics['loss']:.3f}, "
                  f"F1 {metrics['f1']:.1f}, HasAns F1 {metrics['HasAns_f1']:.1f}, NoAns F1 {metrics['NoAns_f1']:.1f}, "
                  f"best F1 {metrics['best_f1']:.1f} ({rows[-1]['seconds']:.0f} s)", flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"checkpoint": str(args.checkpoint), "train_questions": len(train),
                                         "held_out_questions": len(held_out), "no_answer_f1": no_answer,
                                         "epochs": args.epochs, "batch_size": args.batch_size, "rows": rows},
                                        indent=2))


if __name__ == "__main__":
    main()
