"""Where the course's files are, the smoke switch for CI, the online switch, and seeding.

Every notebook uses these so that the same code runs on a laptop, in CI (``BERTEDU_SMOKE=1`` shrinks
sizes and step counts) and on Colab (the setup cell clones the repository, so ``data/`` is there too).
``ONLINE`` is true on Colab or with ``BERTEDU_ONLINE=1``: then lessons take Hub models and full datasets.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import numpy as np
import torch

# The one place that says where the course lives on GitHub (badges and the Colab setup cell use it).
GITHUB_REPO = "bertedu/bertedu"
GITHUB_BRANCH = "main"

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data"

SMOKE = os.environ.get("BERTEDU_SMOKE", "") not in ("", "0")

# The online path: Hub models (bert-base-uncased, ...) and the full datasets instead of the course's
# own checkpoint and samples. On by itself on Colab; anywhere else with a network, opt in with
# BERTEDU_ONLINE=1 (it needs `huggingface_hub`, which comes with transformers). Off means no download.
ONLINE = "google.colab" in sys.modules or os.environ.get("BERTEDU_ONLINE", "") not in ("", "0")


def smoke(full, small):
    """``full`` normally, ``small`` under BERTEDU_SMOKE=1 (CI): the same code path, smaller numbers."""
    return small if SMOKE else full


def data_path(*parts: str) -> Path:
    """A file shipped in the repository's ``data/`` folder, with a clear error when it is missing."""
    path = DATA_DIR.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(
            f"{path} not found. bertedu's data/ folder comes with the git repository: clone it "
            f"(git clone https://github.com/{GITHUB_REPO}) and install with pip install -e .")
    return path


def colab_url(notebook: str) -> str:
    return (f"https://colab.research.google.com/github/{GITHUB_REPO}/blob/{GITHUB_BRANCH}/"
            f"notebooks/{notebook}")


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and PyTorch: the same seed gives the same numbers."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
