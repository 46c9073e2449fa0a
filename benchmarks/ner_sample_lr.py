"""The learning rate of lesson 09's offline fine-tuning, chosen on the training sample alone.

Lesson 09 fine-tunes the course checkpoint (``data/course-bert``) and, as the control, the same
architecture from random initialisation on the 125 sentences of ``data/samples/conll_train.txt`` and
reports entity F1 on ``conll_dev.txt``. Its learning rate must not be chosen on that dev file, so
this script splits the *training* sample by document: the first documents train, the last ones
(``--held-out-documents``, default 5) are held out, and each model is fine-tuned with every rate of
the grid and every seed, with the lesson's other settings (batch 16, ``--epochs``, warmup 10 %,
linear decay). It prints held-out entity F1 per rate (mean and spread over the seeds) and the
held-out loss, and writes every run with ``--json``.

    python benchmarks/ner_sample_lr.py --epochs 15 --json benchmarks/results/ner_sample_lr_e15_cpu.json
    python benchmarks/ner_sample_lr.py --epochs 30 --json benchmarks/results/ner_sample_lr_e30_cpu.json

(run with OMP_NUM_THREADS=1 on the 2-core machine: 4 minutes of CPU time for 15 epochs, 7.5 for 30).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bertedu.course import DATA_DIR, data_path  # noqa: E402
from bertedu.finetuning.conll import parse_conll  # noqa: E402
from bertedu.finetuning.ner_metrics import get_entities  # noqa: E402
from bertedu.finetuning.run import finetune, finetuning_arguments, get_task  # noqa: E402


def document_split(path: Path, held_out_documents: int) -> tuple[list, list]:
    """The sentences of the first documents and those of the last ``held_out_documents``."""
    texts = re.split(r"^-DOCSTART-.*$", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    documents = [parse_conll(text) for text in texts]
    documents = [sentences for sentences in documents if sentences]
    return ([s for doc in documents[:-held_out_documents] for s in doc],
            [s for doc in documents[-held_out_documents:] for s in doc])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", type=Path, default=DATA_DIR / "course-bert")
    parser.add_argument("--lrs", type=float, nargs="+", default=[1e-4, 3e-4, 1e-3])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--epochs", type=float, default=30)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--held-out-documents", type=int, default=5)
    parser.add_argument("--json", type=Path, help="write every run here")
    args = parser.parse_args()

    task = get_task("conll")
    train, held_out = document_split(data_path("samples", "conll_train.txt"), args.held_out_documents)
    entities = sum(len(get_entities(tags)) for _, tags in held_out)
    print(f"{len(train)} training sentences; held out: {len(held_out)} sentences, {entities} entities", flush=True)
    runs = []
    for pretrained in (True, False):
        for lr in args.lrs:
            for seed in args.seeds:
                training = finetuning_arguments(learning_rate=lr, num_train_epochs=args.epochs,
                                                batch_size=args.batch_size, seed=seed, progress_bar=False)
                start, cpu = time.perf_counter(), time.process_time()
                result = finetune(task, args.checkpoint, train, held_out, training, pretrained=pretrained)
                runs.append({"pretrained": pretrained, "lr": lr, "seed": seed, "f1": result.metrics["f1"],
                             "loss": result.metrics["loss"], "updates": result.metrics["step"],
                             "seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu})
                print(json.dumps(runs[-1]), flush=True)
                if args.json:
                    args.json.write_text(json.dumps({"epochs": args.epochs, "batch_size": args.batch_size,
                                                     "train_sentences": len(train), "held_out_sentences": len(held_out),
                                                     "held_out_entities": entities, "runs": runs}, indent=1))
    for pretrained in (True, False):
        for lr in args.lrs:
            chosen = [run for run in runs if run["pretrained"] == pretrained and run["lr"] == lr]
            f1s = [run["f1"] for run in chosen]
            spread = statistics.stdev(f1s) if len(f1s) > 1 else 0.0
            print(f"{'pretrained' if pretrained else 'random init':>11}  lr {lr:g}: held-out F1 "
                  f"{statistics.mean(f1s):.1%} ± {spread:.1%}, loss {statistics.mean(r['loss'] for r in chosen):.3f}")


if __name__ == "__main__":
    main()
