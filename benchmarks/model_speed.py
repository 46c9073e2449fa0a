"""bertedu vs transformers: forward (inference) and a training step, same process, same inputs.

BERT-base shape (L=12, H=768, A=12), batch 8 x 128 with some padding, float32, 2 threads. The two
models run alternately (A B A B ...) so background load hits both alike; we report medians, their
ratio (bertedu / transformers: below 1.00 means bertedu is faster) and peak memory of each forward.

    python benchmarks/model_speed.py [--layers 12] [--repeats 10] [--threads 2]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import threading
import time

import torch
import transformers

import bertedu


def make_batch(vocab_size: int, batch_size: int, seq_len: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    input_ids = torch.randint(1000, vocab_size, (batch_size, seq_len), generator=g)
    attention_mask = torch.ones(batch_size, seq_len, dtype=torch.long)
    lengths = torch.linspace(seq_len // 2, seq_len, batch_size).long()  # some padding
    for row, length in enumerate(lengths):
        attention_mask[row, length:] = 0
    token_type_ids = torch.zeros_like(input_ids)
    token_type_ids[:, seq_len // 2:] = 1
    return dict(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def forward_peak_mb(fn) -> float:
    """Peak resident memory above the baseline while fn runs, sampled every millisecond (Linux)."""
    if not os.path.exists("/proc/self/statm"):
        return float("nan")
    gc.collect()
    baseline, peak, done = rss_mb(), [0.0], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_mb() - baseline)
            time.sleep(0.001)

    sampler = threading.Thread(target=sample)
    sampler.start()
    fn()
    done.set()
    sampler.join()
    return max(peak[0], rss_mb() - baseline)


def alternate(fns: dict, repeats: int) -> dict[str, float]:
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            times[name].append(timed(fn))
    return {name: statistics.median(values) for name, values in times.items()}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--seq-len", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    return parser.parse_args(argv)


def build(args: argparse.Namespace):
    """Both models with the same random weights, and one batch."""
    config = bertedu.BertConfig.from_size("base", num_hidden_layers=args.layers)
    hf_config = transformers.BertConfig(**config.to_dict(), attn_implementation="sdpa")
    torch.manual_seed(0)
    theirs = transformers.BertModel(hf_config).eval()
    ours = bertedu.BertModel(config).eval()
    ours.load_state_dict({k: v for k, v in theirs.state_dict().items() if not k.endswith("_ids")})
    return ours, theirs, make_batch(config.vocab_size, args.batch_size, args.seq_len)


def main(argv: list[str] | None = None) -> dict:
    args = parse(argv)
    torch.set_num_threads(args.threads)
    ours, theirs, batch = build(args)

    with torch.inference_mode():
        diff = (ours(**batch).last_hidden_state - theirs(**batch).last_hidden_state).abs().max().item()
        forward = {"bertedu": lambda: ours(**batch), "transformers": lambda: theirs(**batch)}
        alternate(forward, 2)  # warm-up
        inference = alternate(forward, args.repeats)
        memory = {name: forward_peak_mb(fn) for name, fn in forward.items()}

    def train_step(model):
        def step():
            model.zero_grad(set_to_none=True)
            model(**batch).last_hidden_state.float().pow(2).mean().backward()
        return step

    ours.train(), theirs.train()
    steps = {"bertedu": train_step(ours), "transformers": train_step(theirs)}
    alternate(steps, 1)
    training = alternate(steps, max(3, args.repeats // 2))

    print(f"BERT-base shape, L={args.layers}, batch {args.batch_size} x {args.seq_len} with padding, "
          f"float32, {args.threads} threads, torch {torch.__version__}, transformers {transformers.__version__}")
    print(f"max |bertedu - transformers| on last_hidden_state: {diff:.2e}")
    print(f"{'':22}{'bertedu':>12}{'transformers':>14}{'ratio':>8}")
    print(f"{'forward (ms)':22}{inference['bertedu'] * 1e3:12.1f}{inference['transformers'] * 1e3:14.1f}"
          f"{inference['bertedu'] / inference['transformers']:8.2f}")
    print(f"{'train step (ms)':22}{training['bertedu'] * 1e3:12.1f}{training['transformers'] * 1e3:14.1f}"
          f"{training['bertedu'] / training['transformers']:8.2f}")
    print(f"{'forward peak (MiB)':22}{memory['bertedu']:12.1f}{memory['transformers']:14.1f}"
          f"{memory['bertedu'] / memory['transformers']:8.2f}")
    return {"inference": inference, "training": training, "memory": memory, "max_diff": diff}


if __name__ == "__main__":
    main()
