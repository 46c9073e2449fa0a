"""`make bench`: every benchmark in one go, each printing its own table.

Each script also runs alone (python benchmarks/NAME.py --help). Timings depend on the machine and
on what else it is doing; the ratios are measured in the same process, on the same inputs.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import data_prep_speed  # noqa: E402
import model_speed  # noqa: E402
import pretraining_time_to_quality  # noqa: E402
import throughput  # noqa: E402
import tokenizer_speed  # noqa: E402
import transfer  # noqa: E402


def main() -> None:
    for title, benchmark in (("Model speed: bertedu vs transformers", model_speed),
                             ("Pretraining throughput and MFU: bertedu vs transformers", throughput),
                             ("Tokenizer speed", tokenizer_speed),
                             ("Data preparation: tokenizing once, the cache, cutting pairs", data_prep_speed),
                             ("Pretraining time-to-quality", pretraining_time_to_quality),
                             ("Transfer: the course checkpoint vs random init", transfer)):
        print(f"\n## {title}\n", flush=True)
        benchmark.main([])


if __name__ == "__main__":
    main()
