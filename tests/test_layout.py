"""The package's shape: no import cycles, small modules, the public import paths, and an import
that changes no process state."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "bertedu"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """The bertedu modules a module imports at import time (not inside functions, not for typing)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("bertedu"):
                modules = {f"{target}.{alias.name}" for alias in node.names}
                found |= {m for m in modules if m in MODULES} or {target}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("bertedu")}
    return {m for m in found if m in MODULES and m != name}


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def test_no_import_cycles():
    graph = {name: imports_of(path) for name, path in MODULES.items()}
    # A package's __init__ re-exports its modules; a module importing its own package is the cycle.
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(name: str) -> None:
        state[name] = "visiting"
        stack.append(name)
        for target in sorted(graph[name]):
            if state.get(target) == "visiting":
                cycle = stack[stack.index(target):] + [target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        stack.pop()
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name)


def test_no_module_is_over_250_lines():
    long = {name: n for name, path in MODULES.items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > 250}
    assert not long, f"split these modules: {long}"


def test_stage_folders_re_export_their_public_names():
    import bertedu
    from bertedu.finetuning import BertForSequenceClassification, SquadTask, finetune
    from bertedu.pretraining import BertForPreTraining, DataCollatorForPretraining, pretrain
    from bertedu.tokenizer import BertTokenizer, BertTokenizerFast, WordpieceTokenizer
    assert bertedu.BertForPreTraining is BertForPreTraining and bertedu.BertTokenizer is BertTokenizer
    assert bertedu.finetune is finetune and bertedu.pretrain is pretrain
    assert {BertForSequenceClassification, SquadTask, DataCollatorForPretraining, BertTokenizerFast,
            WordpieceTokenizer}


def test_importing_bertedu_changes_no_process_state():
    code = """
import logging, os, random, warnings
import torch
os.umask(0o027)
before = (os.umask(0o027), random.getstate(), torch.random.get_rng_state().sum().item(),
          torch.get_num_threads(), logging.getLogger().level, logging.getLogger().handlers[:],
          warnings.filters[:], torch.get_default_dtype(), torch.backends.cuda.matmul.allow_tf32)
import bertedu, bertedu.cli, bertedu.cli.pretrain, bertedu.cli.finetune, bertedu.cli.vocab
import bertedu.viz, bertedu.exercises, bertedu.downloads, bertedu.plots
after = (os.umask(0o027), random.getstate(), torch.random.get_rng_state().sum().item(),
         torch.get_num_threads(), logging.getLogger().level, logging.getLogger().handlers[:],
         warnings.filters[:], torch.get_default_dtype(), torch.backends.cuda.matmul.allow_tf32)
names = "umask random torch_rng threads log_level log_handlers warning_filters dtype tf32".split()
changed = [n for n, b, a in zip(names, before, after) if b != a]
assert not changed, changed
print("unchanged")
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "unchanged" in result.stdout, result.stderr
