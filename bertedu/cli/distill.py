"""``python -m bertedu distill``: distil a BERT checkpoint into a half-depth DistilBERT.

    python -m bertedu distill                          # data/course-bert-tiny (2 layers) -> 1 layer
    python -m bertedu distill --teacher runs/pretrain --output runs/distill --max-steps 600

The student starts from every other layer of the teacher and is trained on the course corpus with
DistilBERT's triple loss (``bertedu.family.distillation``). The output folder loads in
transformers (``DistilBertForMaskedLM.from_pretrained``) and holds the tokenizer, history.json and
training_args.json. Teacher and student are compared by parameters and [MASK]-only held-out
accuracy, beside the most-frequent-token baseline.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..corpus import course_corpus
from ..course import DATA_DIR, set_seed
from ..family.distillation import Distiller, student_from_teacher
from ..family.mask_accuracy import constant_answer_accuracy, mask_only_accuracy, most_frequent_token
from ..files import json_text, run_folder, write_files
from ..pretraining.models import BertForPreTraining
from ..pretraining.run import prepare_pretraining_data
from ..tokenizer.fast import BertTokenizerFast
from ..trainer import Trainer, TrainingArguments


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--teacher", default=str(DATA_DIR / "course-bert-tiny"), metavar="DIR",
                        help="a BERT checkpoint folder with vocab.txt (default data/course-bert-tiny)")
    parser.add_argument("--output", default="runs/distill", metavar="DIR", help="student folder (default runs/distill)")
    parser.add_argument("--max-steps", type=int, default=150, help="optimizer updates (default 150)")
    parser.add_argument("--batch-size", type=int, default=32, help="sequences per batch (default 32)")
    parser.add_argument("--seq-len", type=int, default=64, help="max tokens per input (default 64)")
    parser.add_argument("--lr", type=float, default=5e-4, help="peak learning rate (default 5e-4)")
    parser.add_argument("--temperature", type=float, default=2.0, help="softmax temperature T (default 2)")
    parser.add_argument("--alpha-ce", type=float, default=5.0, help="weight of the soft-target loss (default 5)")
    parser.add_argument("--alpha-mlm", type=float, default=2.0, help="weight of the MLM loss (default 2)")
    parser.add_argument("--alpha-cos", type=float, default=1.0, help="weight of the cosine loss (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="seed for data, masks and dropout (default 0)")
    parser.add_argument("--overwrite", action="store_true", help="replace what --output already holds")
    parser.add_argument("--no-progress-bar", action="store_true", help="no tqdm progress bars")


def parameter_count(model) -> int:
    return sum(parameter.numel() for parameter in model.parameters())


def run(args: argparse.Namespace) -> int:
    # 1. Check everything before writing anything.
    if args.seq_len < 8:
        raise ValueError(f"--seq-len must be at least 8, got {args.seq_len}")
    for name in ("temperature", "alpha_ce", "alpha_mlm", "alpha_cos"):
        if not getattr(args, name) >= 0 or (name == "temperature" and args.temperature == 0):
            raise ValueError(f"--{name.replace('_', '-')} must be {'> 0' if name == 'temperature' else '>= 0'}, "
                             f"got {getattr(args, name)}")
    training_args = TrainingArguments(learning_rate=args.lr, max_steps=args.max_steps, batch_size=args.batch_size,
                                      warmup_ratio=0.06, eval_every=max(1, args.max_steps // 5), seed=args.seed,
                                      progress_bar=not args.no_progress_bar)
    output = Path(args.output)
    if output.is_dir() and any(not p.name.startswith(".") for p in output.iterdir()) and not args.overwrite:
        raise FileExistsError(f"--output {output} already holds files: replace them with --overwrite or choose "
                              "another folder")
    teacher = BertForPreTraining.from_pretrained(args.teacher)
    if args.seq_len > teacher.config.max_position_embeddings:
        raise ValueError(f"--seq-len {args.seq_len} exceeds the teacher's max_position_embeddings "
                         f"({teacher.config.max_position_embeddings})")
    tokenizer = BertTokenizerFast.from_pretrained(args.teacher)
    documents = course_corpus()
    data = prepare_pretraining_data(documents, tokenizer, args.seq_len, seed=args.seed,
                                    progress_bar=not args.no_progress_bar)
    # 2. Distil, evaluate, write.
    set_seed(args.seed)
    student = student_from_teacher(teacher)
    mask_id = tokenizer.mask_token_id
    start = {"teacher": mask_only_accuracy(teacher, data.eval_batches, mask_id),
             "student": mask_only_accuracy(student, data.eval_batches, mask_id)}
    distiller = Distiller(student, teacher, args.temperature, args.alpha_ce, args.alpha_mlm, args.alpha_cos)
    trainer = Trainer(distiller, training_args, data.train_dataset, data.data_collator,
                      eval_fn=lambda m: {"mask_accuracy": mask_only_accuracy(m.student, data.eval_batches, mask_id)})
    with run_folder(output):
        trainer.train()
        student.save_pretrained(output)
        tokenizer.save_pretrained(output)
        write_files({output / "history.json": json_text(trainer.history),
                     output / "training_args.json": json_text({**vars(args), "module": None})})
    baseline = constant_answer_accuracy(data.eval_batches, most_frequent_token(documents, tokenizer), mask_id)
    final = mask_only_accuracy(student, data.eval_batches, mask_id)
    print(f"teacher: {teacher.config.num_hidden_layers} layers, {parameter_count(teacher):,} parameters, "
          f"held-out [MASK] accuracy {start['teacher']:.4f}")
    print(f"student: {student.config.num_hidden_layers} layer(s), {parameter_count(student):,} parameters, "
          f"held-out [MASK] accuracy {start['student']:.4f} at initialisation, {final:.4f} after "
          f"{trainer.step} distillation steps")
    print(f"most-frequent-token baseline: {baseline:.4f}")
    print(f"student: {output} (loads with transformers.DistilBertForMaskedLM.from_pretrained)")
    return 0
