"""Pretraining throughput and model FLOPs utilisation (MFU): bertedu vs transformers, same run.

One pretraining step is what a real run does per update: zero the gradients, forward through
``BertForPreTraining`` with MLM labels and NSP labels (loss = mean masked-LM cross-entropy + NSP
cross-entropy), backward, AdamW step. The models run in turns (A B C A B C ...) after warm-up steps,
each turn timing ``--steps`` steps between two CUDA synchronisations; we report the median turn:

* **tokens/s** = batch_size x seq_len / (seconds per step): every position of every sequence counts
  (the batch has no padding, as in packed pretraining at a fixed length);
* **MFU** = model FLOPs per token x tokens/s / the device's peak FLOP/s (PaLM, Chowdhery et al. 2022,
  appendix B): the FLOPs the *model* needs, whatever the implementation spends, so the MFU ratio of
  two implementations equals their throughput ratio.

Model FLOPs per token, for training (forward 2 FLOPs per multiply-add, backward twice the forward):

    6 * L * (4 H^2 + 2 H I)              the encoder's matmuls: Q, K, V, output (4 H^2); FFN (2 H I)
  + 12 * L * T * H                       attention scores Q K^T and the weighted sum of V (2 T H each)
  + 6 * (H^2 + H V)                      MLM head at EVERY position: transform H^2, vocabulary H V
  + 6 * (H^2 + 2 H) / T                  pooler and NSP classifier, once per sequence

with L layers, hidden size H, FFN size I, vocabulary V, sequence length T. That is PaLM's
6 N + 12 L H T with N the parameters inside matmuls; embedding lookups, biases, LayerNorm, softmax,
GELU and the optimizer are not counted. The MLM head counts over all positions because that is what
transformers' ``BertForPreTraining`` and bertedu's default compute (both score every position; the
loss averages the masked ones). The extra row "bertedu sparse" (``sparse_prediction=True``, the
course's pretraining setting) scores only the masked slots: it does fewer FLOPs for the same loss,
and the SAME formula is applied to it so that every MFU ratio is a throughput ratio; its JSON entry
also holds ``mfu_masked_only``, the MFU with the head counted at the masked slots only.

Both models get the same weights (transformers' initialisation copied into bertedu) and the same
batch; before timing, their losses in eval mode are compared (``max_loss_diff``). transformers uses
``attn_implementation="sdpa"``, the fused kernel bertedu uses when attention weights are not returned.

    python benchmarks/throughput.py                          # GPU: BERT-base; CPU: the smoke size
    python benchmarks/throughput.py --config base --batch-size 256 --bf16 --tf32 --fused-adamw
    python benchmarks/throughput.py --smoke --json out.json  # tiny config, seconds on a CPU
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

import torch
import transformers

from bertedu.config import SIZES, BertConfig
from bertedu.pretraining import BertForPreTraining
from bertedu.trainer import param_groups

MODELS = ("transformers", "bertedu", "bertedu sparse")
# Dense (no sparsity) peak tensor throughput of the SXM H100 / H200, in TFLOP/s, from NVIDIA's sheets.
HOPPER_SXM_PEAK = {"bf16": 989.4, "tf32": 494.7, "fp32": 66.9}


def training_flops_per_token(config: BertConfig, seq_len: int, predicted_fraction: float = 1.0) -> float:
    """Model FLOPs per token of one training step (the formula of the module docstring).

    ``predicted_fraction``: share of positions that go through the MLM head (1.0: all of them).
    """
    L, H, I, V, T = (config.num_hidden_layers, config.hidden_size, config.intermediate_size,
                     config.vocab_size, seq_len)
    encoder = 6 * L * (4 * H * H + 2 * H * I)
    attention = 12 * L * T * H
    mlm_head = 6 * (H * H + H * V) * predicted_fraction
    pooler_and_nsp = 6 * (H * H + 2 * H) / T
    return encoder + attention + mlm_head + pooler_and_nsp


def peak_tflops(device_name: str, precision: str) -> float | None:
    """The SXM H100/H200 peak for ``precision`` (bf16, tf32, fp32); None where we do not know it."""
    if ("H100" in device_name or "H200" in device_name) and not any(
            form in device_name for form in ("PCIe", "NVL")):  # PCIe and NVL cards have lower peaks
        return HOPPER_SXM_PEAK[precision]
    return None


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", choices=sorted(SIZES),
                        help="a BERT size (default: base on a GPU, tiny on a CPU)")
    parser.add_argument("--vocab-size", type=int, default=None, help="default: BERT's 30522")
    parser.add_argument("--batch-size", type=int, default=None, help="default: 128 on a GPU, 4 on a CPU")
    parser.add_argument("--seq-len", type=int, default=128)
    parser.add_argument("--predictions", type=int, default=None,
                        help="masked positions per sequence (default: 15%% of --seq-len, 19 at 128)")
    parser.add_argument("--bf16", action="store_true", help="bf16 autocast (the weights stay float32)")
    parser.add_argument("--tf32", action="store_true", help="TF32 tensor cores for float32 matmuls")
    parser.add_argument("--fused-adamw", action="store_true", help="AdamW(fused=True)")
    parser.add_argument("--compile", action="store_true", help="torch.compile each model")
    parser.add_argument("--dropout", type=float, default=0.1, help="hidden and attention dropout")
    parser.add_argument("--peak-tflops", type=float, default=None,
                        help="the device's peak TFLOP/s for MFU (default: known for H100/H200 SXM)")
    parser.add_argument("--steps", type=int, default=None, help="timed steps per turn (default 10, CPU 2)")
    parser.add_argument("--repeats", type=int, default=None, help="timed turns per model (default 5, CPU 3)")
    parser.add_argument("--warmup", type=int, default=None, help="untimed steps first (default 3, CPU 1)")
    parser.add_argument("--smoke", action="store_true",
                        help="the CPU size (tiny config, batch 4): what runs when there is no GPU")
    parser.add_argument("--device", default=None, help="default: cuda when available, else cpu")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads (CPU runs only)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", metavar="OUT", help="write the results to this file")
    args = parser.parse_args(argv)
    args.device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    small = args.smoke or args.device == "cpu"
    args.config = args.config or ("tiny" if small else "base")
    args.batch_size = args.batch_size or (4 if small else 128)
    args.steps = args.steps or (2 if small else 10)
    args.repeats = args.repeats or (3 if small else 5)
    args.warmup = args.warmup if args.warmup is not None else (1 if small else 3)
    args.predictions = args.predictions if args.predictions is not None else round(0.15 * args.seq_len)
    for name in ("batch_size", "seq_len", "steps", "repeats", "warmup", "vocab_size", "threads"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1, got {value}")
    if not 1 <= args.predictions <= args.seq_len - 1:  # position 0 ([CLS]) is never predicted
        parser.error(f"--predictions must be in [1, seq_len - 1 = {args.seq_len - 1}], got {args.predictions}")
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        parser.error("--device cuda but torch.cuda.is_available() is False")
    return args


def make_batch(config: BertConfig, batch_size: int, seq_len: int, predictions: int, seed: int,
               ) -> dict[str, torch.Tensor]:
    """Random pretraining batch: two segments, ``predictions`` labelled positions per row, NSP labels."""
    g = torch.Generator().manual_seed(seed)
    input_ids = torch.randint(5, config.vocab_size, (batch_size, seq_len), generator=g)  # (B, T)
    token_type_ids = torch.zeros_like(input_ids)
    token_type_ids[:, seq_len // 2:] = 1
    labels = torch.full_like(input_ids, -100)                                           # -100: not predicted
    for row in range(batch_size):
        positions = 1 + torch.randperm(seq_len - 1, generator=g)[:predictions]          # never [CLS]
        labels[row, positions] = input_ids[row, positions]
    return {"input_ids": input_ids, "attention_mask": torch.ones_like(input_ids),
            "token_type_ids": token_type_ids, "labels": labels,
            "next_sentence_label": torch.randint(0, 2, (batch_size,), generator=g)}     # (B,)


def build_models(config: BertConfig, seed: int) -> dict[str, torch.nn.Module]:
    """transformers' BertForPreTraining and bertedu's (dense and sparse MLM), all with the same weights."""
    hf_config = transformers.BertConfig(**config.to_dict(), attn_implementation="sdpa")
    torch.manual_seed(seed)
    theirs = transformers.BertForPreTraining(hf_config)
    models = {"transformers": theirs}
    for name, sparse in (("bertedu", False), ("bertedu sparse", True)):
        ours = BertForPreTraining(config, sparse_prediction=sparse)
        missing, unexpected = ours.load_state_dict(
            {k: v for k, v in theirs.state_dict().items() if not k.endswith("_ids")}, strict=False)
        if missing or unexpected:
            raise RuntimeError(f"weights do not line up: missing {missing}, unexpected {unexpected}")
        models[name] = ours
    return models


def make_step(model: torch.nn.Module, batch: dict[str, torch.Tensor], fused: bool, bf16: bool,
              device: torch.device, compile_model: bool) -> Callable[[], None]:
    optimizer = torch.optim.AdamW(param_groups(model, 0.01), lr=1e-4, fused=True if fused else None)
    forward = torch.compile(model) if compile_model else model

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            loss = forward(**batch).loss
        loss.backward()
        optimizer.step()

    return step


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def loss_agreement(models: dict[str, torch.nn.Module], batch: dict[str, torch.Tensor]) -> float:
    """max |loss - transformers' loss| in eval mode (no dropout), float32: the models compute the same."""
    with torch.no_grad():
        losses = {name: float(model.eval()(**batch).loss) for name, model in models.items()}
    for model in models.values():
        model.train()
    return max(abs(loss - losses["transformers"]) for loss in losses.values())


def measure(steps: dict[str, Callable[[], None]], args: argparse.Namespace, device: torch.device,
            ) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Seconds per step of every turn for each model (models alternate), and each first step's seconds."""
    first_step = {}
    for name, step in steps.items():  # warm-up: kernels chosen, caches filled, compilation done
        synchronize(device)
        start = time.perf_counter()
        step()
        synchronize(device)
        first_step[name] = time.perf_counter() - start
        for _ in range(args.warmup - 1):
            step()
        synchronize(device)
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(args.repeats):
        for name, step in steps.items():
            synchronize(device)
            start = time.perf_counter()
            for _ in range(args.steps):
                step()
            synchronize(device)
            times[name].append((time.perf_counter() - start) / args.steps)
    return times, first_step


def main(argv: list[str] | None = None) -> dict:
    args = parse(argv)
    device = torch.device(args.device)
    if device.type == "cpu":
        torch.set_num_threads(args.threads)
    if args.tf32:
        torch.set_float32_matmul_precision("high")  # this process only: a benchmark script
    overrides = {"hidden_dropout_prob": args.dropout, "attention_probs_dropout_prob": args.dropout,
                 "max_position_embeddings": max(512, args.seq_len)}
    if args.vocab_size is not None:
        overrides["vocab_size"] = args.vocab_size
    config = BertConfig.from_size(args.config, **overrides)
    models = {name: model.to(device) for name, model in build_models(config, args.seed).items()}
    batch = {k: v.to(device) for k, v in make_batch(config, args.batch_size, args.seq_len,
                                                     args.predictions, args.seed).items()}
    max_loss_diff = loss_agreement(models, batch)
    torch.manual_seed(args.seed)  # dropout masks
    steps = {name: make_step(model, batch, args.fused_adamw, args.bf16, device, args.compile)
             for name, model in models.items()}
    times, first_step = measure(steps, args, device)

    device_name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    precision = "bf16" if args.bf16 else ("tf32" if args.tf32 and device.type == "cuda" else "fp32")
    peak = args.peak_tflops
    if peak is None and device.type == "cuda":
        peak = peak_tflops(device_name, precision)
    tokens_per_step = args.batch_size * args.seq_len
    flops_per_token = training_flops_per_token(config, args.seq_len)
    flops_masked_only = training_flops_per_token(config, args.seq_len, args.predictions / args.seq_len)
    results = {}
    for name, values in times.items():
        seconds = statistics.median(values)
        tokens_per_s = tokens_per_step / seconds
        results[name] = {
            "ms_per_step": seconds * 1e3, "tokens_per_s": tokens_per_s, "step_seconds": values,
            "first_step_seconds": first_step[name],
            "mfu": None if peak is None else flops_per_token * tokens_per_s / (peak * 1e12),
            "mfu_masked_only": None if peak is None else flops_masked_only * tokens_per_s / (peak * 1e12)}
    for result in results.values():
        result["ratio_to_transformers"] = result["tokens_per_s"] / results["transformers"]["tokens_per_s"]
    report = {
        "device": device_name, "torch": torch.__version__, "transformers": transformers.__version__,
        "config": args.config, "num_hidden_layers": config.num_hidden_layers,
        "hidden_size": config.hidden_size, "intermediate_size": config.intermediate_size,
        "vocab_size": config.vocab_size, "batch_size": args.batch_size, "seq_len": args.seq_len,
        "predictions_per_seq": args.predictions, "precision": precision, "bf16": args.bf16,
        "tf32": args.tf32, "fused_adamw": args.fused_adamw, "compile": args.compile,
        "dropout": args.dropout, "steps": args.steps, "repeats": args.repeats, "warmup": args.warmup,
        "threads": args.threads if device.type == "cpu" else None,
        "flops_per_token": flops_per_token, "flops_per_token_masked_only": flops_masked_only,
        "peak_tflops": peak, "max_loss_diff": max_loss_diff, "results": results}
    print_table(report)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
    return report


def print_table(report: dict) -> None:
    options = ", ".join(name for name in ("tf32", "fused_adamw", "compile") if report[name]) or "none"
    print(f"BERT-{report['config']} (L={report['num_hidden_layers']}, H={report['hidden_size']}, "
          f"V={report['vocab_size']}), batch {report['batch_size']} x {report['seq_len']}, "
          f"{report['predictions_per_seq']} masked per sequence; options: {options}; "
          f"torch {report['torch']}, transformers {report['transformers']}")
    peak = f"{report['peak_tflops']} TFLOP/s peak" if report["peak_tflops"] else "no peak known: MFU omitted"
    print(f"model FLOPs per token {report['flops_per_token'] / 1e6:.1f} M (MLM head at every position); "
          f"{peak}; max |loss difference| at equal weights {report['max_loss_diff']:.1e}\n")
    print("| card | dtype | model | ms/step | tokens/s | MFU | ratio bertedu/HF |")
    print("|---|---|---|---:|---:|---:|---:|")
    for name, r in report["results"].items():
        mfu = "-" if r["mfu"] is None else f"{100 * r['mfu']:.1f}%"
        ratio = "1.00" if name == "transformers" else f"{r['ratio_to_transformers']:.2f}"
        print(f"| {report['device']} | {report['precision']} | {name} | {r['ms_per_step']:.1f} "
              f"| {r['tokens_per_s']:,.0f} | {mfu} | {ratio} |")
    print("\nratio: tokens/s over transformers' (above 1.00: bertedu is faster). bertedu sparse scores only "
          "the masked slots; its MFU uses the same formula (every position), so it is a throughput measure.")


if __name__ == "__main__":
    main()
