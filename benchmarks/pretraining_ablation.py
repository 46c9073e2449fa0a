"""Why does ``python -m bertedu pretrain`` learn slowly on WikiText-2? One change at a time.

Each setting is the CLI's recipe (``bertedu.pretraining.run.pretrain`` as ``bertedu.cli.pretrain`` calls it) with
some options changed, trained on WikiText-2 ``test.txt`` for a fixed number of updates and scored
with ``benchmarks/mlm_eval.py`` on ``valid.txt`` (lines over 20 words, 15 % of the word pieces
[MASK]ed, accuracy on those only, beside always answering the most frequent training token).
Updates are counted, not minutes; ``--speed`` measures updates/second separately (on the 2-core
CPU machine, 2 threads), so that "what a 5-minute run reaches" is read off both.

    python benchmarks/pretraining_ablation.py --list
    python benchmarks/pretraining_ablation.py --settings old_defaults new_defaults --steps 600
    python benchmarks/pretraining_ablation.py --speed --settings old_defaults new_defaults
    python benchmarks/pretraining_ablation.py --table results.jsonl   # the markdown table

Options a setting may change (the others keep ``OLD``, the CLI's defaults before the fix):
vocab_size, lr, warmup_ratio, schedule ("linear" decay to 0 at max_steps or "constant"), max_steps
(the length the schedule is planned for; ``--steps`` may stop earlier, as --max-minutes does),
seq_len, short_seq_prob, dupe_factor, batch_size, sparse (score masked slots only), nsp (False:
MLM loss only), decay_all (weight decay on biases and LayerNorm too, as plain ``AdamW(model.
parameters())`` does), pairs ("bert": the original's chunking; "naive": segment A of whole
sentences up to 60 word pieces plus one sentence B, next or random, as in the naive loop).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import mlm_eval  # noqa: E402

from bertedu.config import SIZES, BertConfig  # noqa: E402
from bertedu.corpus import read_corpus, read_wikitext  # noqa: E402
from bertedu.course import set_seed  # noqa: E402
from bertedu.embeddings import sinusoidal_positional_encoding  # noqa: E402
from bertedu.pretraining import run as pretrain_module  # noqa: E402
from bertedu.pretraining.instances import PretrainingDataset, TrainingInstance, tokenize_documents  # noqa: E402
from bertedu.pretraining.marker import MARKER_FRACTION, MARKER_RATE, MarkerPhase  # noqa: E402
from bertedu.pretraining.masking import corrupt_token, create_masked_lm_predictions  # noqa: E402
from bertedu.pretraining.models import BertForPreTraining  # noqa: E402
from bertedu.tokenizer import BertTokenizer  # noqa: E402
from bertedu.tokenizer.vocab import train_wordpiece, write_vocab  # noqa: E402
from bertedu.trainer import Trainer, TrainingArguments  # noqa: E402

OLD = dict(vocab_size=4000, lr=1e-3, warmup_ratio=0.06, schedule="linear", max_steps=1000, seq_len=128,
           short_seq_prob=0.1, dupe_factor=5, batch_size=32, sparse=True, nsp=True, decay_all=False,
           pairs="bert", init=0.02, autocast=None, compile=False, mask_prob=0.15,
           positions=None, dropout=0.1, easy_first=0, copy_first=0, marker_rate=0.0)

SETTINGS = {
    "old_defaults": {},
    "vocab8192": dict(vocab_size=8192),
    "constant": dict(schedule="constant"),
    "constant_nowarmup": dict(schedule="constant", warmup_ratio=0.0),
    "planned600": dict(max_steps=600),
    "lr2e-3": dict(lr=2e-3),
    "lr5e-4": dict(lr=5e-4),
    "seq64": dict(seq_len=64),
    "dupe1": dict(dupe_factor=1),
    "dense_logits": dict(sparse=False),
    "no_nsp": dict(nsp=False),
    "decay_all": dict(decay_all=True),
    "batch64": dict(batch_size=64),
    "naive_pairs": dict(pairs="naive"),
    "lr3e-3": dict(lr=3e-3),
    "no_short_seq": dict(short_seq_prob=0.0),
    "seq64_constant": dict(seq_len=64, schedule="constant"),
    "constant_lr2e-3": dict(schedule="constant", lr=2e-3),
    "vocab8192_constant": dict(vocab_size=8192, schedule="constant"),
    "naive_pairs_constant": dict(pairs="naive", schedule="constant"),
    "seq64_constant_lr2e-3": dict(seq_len=64, schedule="constant", lr=2e-3),
    "seq64_constant_lr2e-3_8192": dict(seq_len=64, schedule="constant", lr=2e-3, vocab_size=8192),
    "vocab8192_lr3e-3_constant": dict(vocab_size=8192, lr=3e-3, schedule="constant"),
    # 5 idle minutes of the CLI's defaults (--max-minutes 5, the schedule following the clock) at the
    # measured 5.0 updates/s (length 128) and 9.9 updates/s (length 64) of tiny, batch 32, vocab 8192:
    "clock5": dict(vocab_size=8192, max_steps=1500),
    "clock5_seq64": dict(vocab_size=8192, seq_len=64, max_steps=2970),
    "clock5_seq64_lr2e-3": dict(vocab_size=8192, seq_len=64, max_steps=2970, lr=2e-3),
    "clock5_seq64_lr5e-4": dict(vocab_size=8192, seq_len=64, max_steps=2970, lr=5e-4),
    # initializer_range: 0.02 is BERT-base's (H=768); at H=128 it makes every map a small fraction of an
    # identity (0.02 * sqrt(128) = 0.23), so attention starts near-uniform and nearly silent.
    "clock5_init0.088": dict(vocab_size=8192, max_steps=1500, init=128 ** -0.5),
    "clock5_batch16": dict(vocab_size=8192, max_steps=3000, batch_size=16),
    # bf16 autocast and torch.compile on the CPU: only worth a quality test if they are faster per update
    "clock5_bf16": dict(vocab_size=8192, max_steps=1500, autocast="bf16"),
    "clock5_compile": dict(vocab_size=8192, max_steps=1500, compile=True),
    # bf16 for the same 5 minutes: 1500 x 6.18 / 5.27 updates (its measured speed-up over float32)
    "clock5_bf16_time": dict(vocab_size=8192, max_steps=1760, autocast="bf16"),
    # Shorter pairs: more pairs a minute, and fewer positions to spread attention over at the start
    "speed_seq32": dict(vocab_size=8192, seq_len=32),
    "clock5_seq32": dict(vocab_size=8192, seq_len=32, max_steps=5290),  # 5 minutes at 17.6 updates/s
    # When does tiny leave the plateau on WikiText-2 at all? A constant rate (no decay) for as long as it
    # takes, scored every few thousand updates; and the same with 40 % of the pieces masked (more
    # questions per pair: Wettig et al. 2023, "Should You Mask 15% in Masked Language Modeling?").
    "probe_seq64": dict(vocab_size=8192, seq_len=64, schedule="constant", max_steps=30000,
                        warmup_ratio=100 / 30000),
    "probe_seq64_mask40": dict(vocab_size=8192, seq_len=64, schedule="constant", max_steps=30000,
                               warmup_ratio=100 / 30000, mask_prob=0.4),
    # Position embeddings initialised as sinusoids (scaled to this std) instead of N(0, init): a dot
    # product of two sinusoid rows depends on their offset only, so "attend to the piece before" is a
    # map the model can learn once for all positions (still learned, still BERT's architecture).
    "clock5_sinpos0.02": dict(vocab_size=8192, max_steps=1500, positions=0.02),
    "clock5_sinpos0.1": dict(vocab_size=8192, max_steps=1500, positions=0.1),
    "probe_seq64_sinpos0.02": dict(vocab_size=8192, seq_len=64, schedule="constant", max_steps=30000,
                                   warmup_ratio=100 / 30000, positions=0.02),
    # The objective and the noise: MLM alone (as RoBERTa), and no dropout (a 5-minute run sees each
    # pair a few times at most, so there is little to regularise)
    "clock5_no_nsp": dict(vocab_size=8192, max_steps=1500, nsp=False),
    "clock5_dropout0": dict(vocab_size=8192, max_steps=1500, dropout=0.0),
    # Seventh session: easy questions first (the lead of the third session). For the first
    # ``easy_first`` updates, the masked pieces are taken from words of several pieces, one piece a
    # word, so each question has visible word-mates beside it (as a masked piece of a raw
    # ``<unk>`` has); then BERT's uniform choice.
    "clock5_easy500": dict(vocab_size=8192, max_steps=1500, easy_first=500),
    "clock5_seq64_easy1000": dict(vocab_size=8192, seq_len=64, max_steps=2970, easy_first=1000),
    # ... and a copy of the answer next door, on any text (``CopyFirst``).
    "clock5_seq64_copy1000": dict(vocab_size=8192, seq_len=64, max_steps=2970, copy_first=1000),
    "clock5_copy500": dict(vocab_size=8192, max_steps=1500, copy_first=500),
    "new_defaults": dict(vocab_size=8192, max_steps=10**7, warmup_ratio=60 / 10**7),  # by updates, no clock
    "naive_recipe": dict(vocab_size=8192, schedule="constant", warmup_ratio=0.0, decay_all=True,
                         pairs="naive", sparse=False),
}


def naive_instances(tokenized: list[list[list[str]]], rng: random.Random, a_tokens: int = 60,
                    max_length: int = 128) -> list[TrainingInstance]:
    """A: whole sentences up to ``a_tokens`` word pieces; B: the next sentence or (50 %) a random
    sentence of another document. One pass, in order, shuffled at the end."""
    instances = []
    for index, document in enumerate(tokenized):
        start = 0
        while start < len(document) - 1:
            stop, length = start, 0
            while stop < len(document) - 1 and (stop == start or length + len(document[stop]) <= a_tokens):
                length += len(document[stop])
                stop += 1
            tokens_a = [t for sentence in document[start:stop] for t in sentence][:a_tokens]
            random_next = rng.random() < 0.5
            if random_next:
                other = rng.randrange(len(tokenized) - 1)
                other += other >= index
                b_document, b_index = other, rng.randrange(len(tokenized[other]))
            else:
                b_document, b_index = index, stop
            tokens_b = tokenized[b_document][b_index][:max_length - 3 - len(tokens_a)]
            instances.append(TrainingInstance(
                tokens=["[CLS]", *tokens_a, "[SEP]", *tokens_b, "[SEP]"],
                segment_ids=[0] * (len(tokens_a) + 2) + [1] * (len(tokens_b) + 1),
                is_random_next=random_next, a_document=index, a_sentences=range(start, stop),
                b_document=b_document, b_sentences=range(b_index, b_index + 1)))
            start = stop + (0 if random_next else 1)
    rng.shuffle(instances)
    return instances


class WithoutNSP:
    """A collator wrapper that drops ``next_sentence_label``, so the loss is the MLM loss alone."""

    def __init__(self, collator):
        self.collator, self.rng = collator, collator.rng

    def __call__(self, instances):
        batch = self.collator(instances)
        batch.pop("next_sentence_label")
        return batch


class EasyFirst:
    """A collator wrapper: for its first ``batches`` batches each pair's masked pieces are chosen
    from words cut into several pieces (one piece a word, the rest of the word left visible), topped
    up with other pieces to BERT's count; after that, the wrapped collator's own uniform choice."""

    def __init__(self, collator, batches: int):
        self.collator, self.batches, self.calls = collator, batches, 0

    def __getattr__(self, name):
        return getattr(self.collator, name)

    def _easy_mask(self, instance):
        collator, rng = self.collator, self.collator.rng
        tokens, special = instance.tokens, set(collator.special_tokens)
        words = []
        for index, token in enumerate(tokens):
            if token in special:
                continue
            if token.startswith("##") and words and words[-1][-1] == index - 1:
                words[-1].append(index)
            else:
                words.append([index])
        easy = [rng.choice(word) for word in words if len(word) > 1]
        others = [word[0] for word in words if len(word) == 1]
        rng.shuffle(easy)
        rng.shuffle(others)
        count = min(collator.max_predictions_per_seq, max(1, round(len(tokens) * collator.mlm_probability)))
        chosen = sorted((easy + others)[:count])
        output = list(tokens)
        for index in chosen:  # BERT's 80/10/10
            output[index] = corrupt_token(tokens[index], collator.vocab_words, rng, collator.tokenizer.mask_token)
        return output, chosen, [tokens[index] for index in chosen]

    def __call__(self, instances):
        self.calls += 1
        if self.calls <= self.batches:
            self.collator._mask = self._easy_mask
        else:
            self.collator.__dict__.pop("_mask", None)
        return self.collator(instances)


class CopyFirst(EasyFirst):
    """For the first ``batches`` batches, half of each pair's chosen pieces get a copy of themselves
    written over a neighbour (left or right at random), so the answer is plainly in sight next door:
    a deterministic local question on any text, as a masked piece of a raw ``<unk>`` is on WikiText.
    The chosen pieces keep BERT's count and 80/10/10 rule; the overwritten neighbours are not scored."""

    def _easy_mask(self, instance):
        collator, rng = self.collator, self.collator.rng
        output, chosen, labels = create_masked_lm_predictions(
            instance.tokens, collator.mlm_probability, collator.max_predictions_per_seq, collator.vocab_words,
            rng, False, collator.special_tokens, collator.tokenizer.mask_token)
        special, taken = set(collator.special_tokens), set(chosen)
        for index in chosen:
            if rng.random() < 0.5:
                continue
            neighbour = index + rng.choice((-1, 1))
            if 0 <= neighbour < len(output) and neighbour not in taken and output[neighbour] not in special:
                output[neighbour] = instance.tokens[index]
                taken.add(neighbour)
        return output, chosen, labels


def build(setting: dict, documents, tokenizer, seed: int = 0, model=None):
    """(model, trainer) for one setting, as ``bertedu.pretraining.run.pretrain`` builds them (a new
    model unless ``model`` is given)."""
    options = {**OLD, **setting}
    data = pretrain_module.prepare_pretraining_data(
        documents, tokenizer, options["seq_len"], dupe_factor=options["dupe_factor"],
        short_seq_prob=options["short_seq_prob"], seed=seed, progress_bar=False, marker_rate=options["marker_rate"])
    train_dataset, collator = data.train_dataset, data.data_collator
    if options["pairs"] == "naive":
        train_documents, _ = pretrain_module.split_documents(documents, 0.1, seed)
        train_dataset = PretrainingDataset(naive_instances(
            tokenize_documents(train_documents, tokenizer, False), random.Random(seed), 60,
            options["seq_len"]))
    if options["mask_prob"] != 0.15:  # training masks only: the held-out pairs keep BERT's 15 %
        collator.mlm_probability = options["mask_prob"]
        collator.max_predictions_per_seq = math.ceil(options["seq_len"] * options["mask_prob"])
    if options["easy_first"]:
        collator = EasyFirst(collator, options["easy_first"])
    if options["copy_first"]:
        collator = CopyFirst(collator, options["copy_first"])
    if not options["nsp"]:
        collator = WithoutNSP(collator)
    config = BertConfig.from_dict({"vocab_size": len(tokenizer), **SIZES["tiny"],
                                  "initializer_range": options["init"],
                                  "hidden_dropout_prob": options["dropout"],
                                  "attention_probs_dropout_prob": options["dropout"]}, warn_unknown=False)
    set_seed(seed)
    if model is None:
        model = BertForPreTraining(config, sparse_prediction=options["sparse"])
        if options["positions"]:
            weight = model.bert.embeddings.position_embeddings.weight  # (P, H)
            table = sinusoidal_positional_encoding(*weight.shape)
            with torch.no_grad():
                weight.copy_(table * (options["positions"] / table.std()))
    args = TrainingArguments(learning_rate=options["lr"], weight_decay=0.01,
                             warmup_ratio=options["warmup_ratio"], lr_scheduler_type=options["schedule"],
                             max_steps=options["max_steps"], batch_size=options["batch_size"], seed=seed,
                             progress_bar=False, autocast=options["autocast"], torch_compile=options["compile"])
    phases = [MarkerPhase(train_dataset, MARKER_FRACTION)] if options["marker_rate"] else []
    trainer = Trainer(model, args, train_dataset, collator, callbacks=phases)
    if options["decay_all"]:
        trainer.optimizer.param_groups[1]["weight_decay"] = 0.01
    return model, trainer, data, len(train_dataset)


def tokenizer_for(documents, vocab_size: int, folder: Path) -> BertTokenizer:
    path = folder / f"vocab{vocab_size}.txt"
    if not path.is_file():
        sentences = [sentence for document in documents for sentence in document]
        write_vocab(train_wordpiece(sentences, vocab_size), path)
    return BertTokenizer(path)


def run(name: str, steps: list[int], corpus: Path, eval_file: Path, vocab_folder: Path, seed: int = 0,
        device: str | None = None, report=print, eval_length: int = 128) -> list[dict]:
    """Train setting ``name``, score it after each of ``steps`` updates (at most its max_steps, as a
    run cut by a time limit would be) on windows of up to ``eval_length`` pieces, return a row for each."""
    setting = SETTINGS[name]
    documents = read_corpus([corpus], "wikitext")
    tokenizer = tokenizer_for(documents, {**OLD, **setting}["vocab_size"], vocab_folder)
    model, trainer, data, instances = build(setting, documents, tokenizer, seed)
    if device:
        trainer.device = torch.device(device)
        trainer.model = model.to(trainer.device)
    rows, seconds = [], 0.0
    for stop in sorted(steps):
        if stop > trainer.max_steps:
            break
        start = time.monotonic()
        model.train()
        while trainer.step < stop:
            trainer.training_step()
        seconds += time.monotonic() - start
        rows.append({"setting": name, "changes": setting, "updates": trainer.step, "instances": instances,
                     "seconds": seconds, **score(model, trainer, tokenizer, data, corpus, eval_file, eval_length)})
        report(rows[-1])
    return rows


def score(model, trainer, tokenizer, data, corpus: Path, eval_file: Path, eval_length: int) -> dict:
    """``mlm_eval.py`` on ``eval_file`` (windows of up to ``eval_length`` pieces) and the package's
    held-out metrics on the run's own held-out pairs."""
    model.eval()
    with tempfile.TemporaryDirectory() as folder, torch.no_grad():
        package = pretrain_module.pretraining_metrics(model, data.eval_batches, data.train_token_counts)
        model.cpu().save_pretrained(folder)
        model.to(trainer.device)
        tokenizer.save_pretrained(folder)
        result = mlm_eval.evaluate_folder(folder, eval_file, corpus, seed=0, max_length=eval_length)
    return {"mask_accuracy": result["mlm_accuracy"], "mask_loss": result["mlm_loss"],
            "baseline": result["most_frequent_accuracy"], "unigram_loss": result["unigram_loss"],
            "eval_length": eval_length, "package": package}


def two_phase(short_steps: int, long_steps: int, corpus: Path, eval_file: Path, vocab_folder: Path,
              short_length: int = 32, seed: int = 0) -> dict:
    """BERT's two phases of length (appendix A.2: 90 % of the steps at 128, then 512) at a laptop's
    scale: pairs of up to ``short_length`` pieces for ``short_steps`` updates (the CLI's recipe with the
    rate held after warmup), then pairs of 128 for ``long_steps`` with the rate decaying to 0. The
    model and AdamW's moments carry over; the row is scored at 128 pieces."""
    documents = read_corpus([corpus], "wikitext")
    tokenizer = tokenizer_for(documents, 8192, vocab_folder)
    model, first, _, _ = build(dict(vocab_size=8192, seq_len=short_length, schedule="constant",
                                    max_steps=short_steps), documents, tokenizer, seed)
    start = time.monotonic()
    while first.step < short_steps:
        first.training_step()
    long = dict(vocab_size=8192, max_steps=long_steps, warmup_ratio=0.0)
    _, second, data, instances = build(long, documents, tokenizer, seed, model=model)
    second.optimizer.load_state_dict(first.optimizer.state_dict())
    while second.step < long_steps:
        second.training_step()
    return {"setting": f"two_phase_{short_length}_128", "changes": {"short_steps": short_steps,
            "long_steps": long_steps}, "updates": short_steps + long_steps, "instances": instances,
            "seconds": time.monotonic() - start, **score(model, second, tokenizer, data, corpus, eval_file, 128)}


def with_marker(documents, rate: float, seed: int, marker: str = "<unk>"):
    """The documents with each word replaced, with probability ``rate``, by ``marker`` (as text).
    The seventh session's rows were made with this text version; the package's version, which the
    CLI uses, is ``bertedu.pretraining.marker.plant_marker`` (on WordPieces, a word and its ``##``
    pieces replaced together)."""
    rng = random.Random(seed)
    return [[" ".join(marker if rng.random() < rate else word for word in sentence.split()) for sentence in document]
            for document in documents]


def unk_first(first_steps: int, total_steps: int, corpus: Path, eval_file: Path, vocab_folder: Path,
              seq_len: int = 64, seed: int = 0, marker_rate: float = 0.0) -> dict:
    """Does an easy local pattern early make a small BERT use context on ordinary text sooner? The
    CLI's recipe at ``seq_len`` for ``total_steps`` updates (warmup and decay over all of them), the
    first ``first_steps`` on WikiText with ``<unk>`` left as text (three pieces, ``<`` ``unk`` ``>``,
    a masked one given away by its neighbours), the rest on the same articles with ``<unk>`` read as
    one [UNK], as ``--corpus-format wikitext`` does; scored on that format. ``first_steps=0`` is the
    control: the same vocabulary (trained on the raw text, so it has ``unk``), no raw phase.
    ``marker_rate`` > 0: the first phase reads the [UNK] text with that share of its words, chosen at
    random, written as ``<unk>`` instead (the marker on any text, not WikiText's own unknown words)."""
    raw = read_wikitext(corpus, unk_token="<unk>")
    documents = read_corpus([corpus], "wikitext")
    first = with_marker(documents, marker_rate, seed) if marker_rate else raw
    path = vocab_folder / "vocab8192_raw_unk.txt"
    if not path.is_file():
        write_vocab(train_wordpiece([s for document in raw for s in document], 8192), path)
    tokenizer = BertTokenizer(path)
    setting = dict(vocab_size=8192, seq_len=seq_len, max_steps=total_steps)
    model, trainer, data, instances = build(setting, first if first_steps else documents, tokenizer, seed)
    start = time.monotonic()
    while trainer.step < first_steps:
        trainer.training_step()
    if first_steps:  # the same model, optimizer and schedule go on with the [UNK] text
        _, second, data, instances = build(setting, documents, tokenizer, seed, model=model)
        second.optimizer.load_state_dict(trainer.optimizer.state_dict())
        second.scheduler.load_state_dict(trainer.scheduler.state_dict())
        second.step, trainer = trainer.step, second
    while trainer.step < total_steps:
        trainer.training_step()
    name = f"unk_first_{first_steps}_seq{seq_len}" + (f"_marker{marker_rate}" if marker_rate else "")
    return {"setting": name, "seed": seed, "changes": {**setting, "unk_first": first_steps, "marker_rate": marker_rate},
            "updates": total_steps, "instances": instances, "seconds": time.monotonic() - start,
            **score(model, trainer, tokenizer, data, corpus, eval_file, seq_len)}


def then_long(total_steps: int, long_steps: int, corpus: Path, eval_file: Path, vocab_folder: Path,
              seed: int = 0) -> dict:
    """The CLI's defaults (pairs of 64, the marker phase over the first third of ``total_steps``)
    until ``long_steps`` updates are left, then BERT's second phase of length (appendix A.2: the last
    10 % of the steps on longer pairs, "to learn the positional embeddings") at this scale: pairs of
    128, the model, AdamW's moments and the schedule carried over. Scored on windows of 64 and 128."""
    documents = read_corpus([corpus], "wikitext")
    tokenizer = tokenizer_for(documents, 8192, vocab_folder)
    short = dict(vocab_size=8192, seq_len=64, max_steps=total_steps, marker_rate=MARKER_RATE)
    model, trainer, data, instances = build(short, documents, tokenizer, seed)
    start = time.monotonic()
    while trainer.step < total_steps - long_steps:
        trainer.training_step()
        trainer.callbacks[0].on_step_end(trainer)
    if long_steps:
        _, second, data, instances = build({**short, "seq_len": 128, "marker_rate": 0.0}, documents, tokenizer,
                                           seed, model=model)
        second.optimizer.load_state_dict(trainer.optimizer.state_dict())
        second.scheduler.load_state_dict(trainer.scheduler.state_dict())
        second.step, trainer = trainer.step, second
    while trainer.step < total_steps:
        trainer.training_step()
    seconds = time.monotonic() - start
    scores = {length: score(model, trainer, tokenizer, data, corpus, eval_file, length) for length in (64, 128)}
    return {"setting": f"marker_then_long_{long_steps}_of_{total_steps}", "seed": seed,
            "changes": {**short, "long_steps": long_steps}, "updates": total_steps, "instances": instances,
            "seconds": seconds, **scores[128], "windows64": scores[64]}


def speed(name: str, corpus: Path, vocab_folder: Path, updates: int = 40, warmup: int = 5,
          seed: int = 0) -> dict:
    """Updates per second of setting ``name`` on this machine's CPU (after ``warmup`` updates)."""
    setting = SETTINGS[name]
    documents = read_corpus([corpus], "wikitext")
    tokenizer = tokenizer_for(documents, {**OLD, **setting}["vocab_size"], vocab_folder)
    _, trainer, _, _ = build(setting, documents, tokenizer, seed)
    start = time.monotonic()
    for _ in range(warmup):  # torch.compile compiles here
        trainer.training_step()
    warmup_seconds, start = time.monotonic() - start, time.monotonic()
    for _ in range(updates):
        trainer.training_step()
    return {"setting": name, "updates_per_second": updates / (time.monotonic() - start),
            "warmup_seconds": warmup_seconds, "warmup_updates": warmup}


def table(rows: list[dict], speeds: dict[str, float]) -> str:
    lines = ["| setting | changes from the old CLI defaults | updates | updates/s (2-core CPU) | "
             "[MASK]-only acc | always 'the' | [MASK] loss | unigram loss |",
             "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        changes = ", ".join(f"{k}={v}" for k, v in row["changes"].items()) or "-"
        rate = speeds.get(row["setting"])
        lines.append(f"| {row['setting']} | {changes} | {row['updates']} | "
                     f"{'%.2f' % rate if rate else '-'} | {row['mask_accuracy']:.2%} | {row['baseline']:.2%} | "
                     f"{row['mask_loss']:.3f} | {row['unigram_loss']:.3f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS))
    parser.add_argument("--steps", type=int, nargs="+", default=[600],
                        help="score after these many updates (default 600)")
    parser.add_argument("--wikitext", type=Path, default=mlm_eval.WIKITEXT)
    parser.add_argument("--vocab-folder", type=Path, default=Path("runs/ablation"))
    parser.add_argument("--device", help="cpu or cuda (default: cuda when available)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--eval-length", type=int, default=128,
                        help="mlm_eval.py's windows: at most this many pieces (default 128)")
    parser.add_argument("--speed", action="store_true", help="measure updates/s instead")
    parser.add_argument("--results", type=Path, help="append a JSON line per setting here")
    parser.add_argument("--table", nargs="+", type=Path, metavar="JSONL", help="print the table of these")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--two-phase", nargs=2, type=int, metavar=("SHORT", "LONG"),
                        help="train SHORT updates at length 32, then LONG at 128 (see two_phase)")
    parser.add_argument("--unk-first", nargs=2, type=int, metavar=("FIRST", "TOTAL"),
                        help="FIRST of TOTAL updates on raw-<unk> text, then [UNK] (see unk_first)")
    parser.add_argument("--then-long", nargs=2, type=int, metavar=("TOTAL", "LONG"),
                        help="the CLI's defaults, the last LONG of TOTAL updates at 128 (see then_long)")
    parser.add_argument("--seq-len", type=int, default=64, help="with --unk-first (default 64)")
    parser.add_argument("--seed", type=int, default=0, help="with --unk-first or --then-long (default 0)")
    parser.add_argument("--marker-rate", type=float, default=0.0,
                        help="with --unk-first: the first phase writes this share of random words as <unk>")
    args = parser.parse_args(argv)
    if args.list:
        for name, setting in SETTINGS.items():
            print(f"{name:20} {setting}")
        return
    if args.table:
        rows = [json.loads(line) for path in args.table for line in path.read_text().splitlines() if line]
        speeds = {r["setting"]: r["updates_per_second"] for r in rows if "updates_per_second" in r}
        print(table([r for r in rows if "mask_accuracy" in r], speeds))
        return
    torch.set_num_threads(args.threads)

    def report(row: dict) -> None:
        print(json.dumps(row), flush=True)
        if args.results:
            with args.results.open("a") as file:
                file.write(json.dumps(row) + "\n")

    args.vocab_folder.mkdir(parents=True, exist_ok=True)
    if args.unk_first:
        report(unk_first(*args.unk_first, args.wikitext / "test.txt", args.wikitext / "valid.txt", args.vocab_folder,
                         seq_len=args.seq_len, seed=args.seed, marker_rate=args.marker_rate))
        return
    if args.then_long:
        report(then_long(*args.then_long, args.wikitext / "test.txt", args.wikitext / "valid.txt", args.vocab_folder,
                         seed=args.seed))
        return
    if args.two_phase:
        report(two_phase(*args.two_phase, args.wikitext / "test.txt", args.wikitext / "valid.txt", args.vocab_folder))
        return
    for name in args.settings:
        if args.speed:
            report(speed(name, args.wikitext / "test.txt", args.vocab_folder))
        else:
            run(name, args.steps, args.wikitext / "test.txt", args.wikitext / "valid.txt",
                args.vocab_folder, device=args.device, report=report, eval_length=args.eval_length)


if __name__ == "__main__":
    main()
