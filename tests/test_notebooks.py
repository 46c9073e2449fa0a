"""Every lesson notebook meets the course standard (the notebooks themselves run under nbval)."""

from __future__ import annotations

import ast
import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from bertedu.course import colab_url

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PACKAGE_CLASSES = {name for module in __import__("sys").modules.values()
                   if getattr(module, "__name__", "").startswith("bertedu")
                   for name, obj in vars(module).items()
                   if inspect.isclass(obj) and getattr(obj, "__module__", "").startswith("bertedu")
                   and issubclass(obj, torch.nn.Module)}


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def source(cell: dict) -> str:
    return "".join(cell["source"])


def code_without_magics(text: str) -> str:
    return "\n".join("" if line.lstrip().startswith(("!", "%")) else line for line in text.splitlines())


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found"
    assert PACKAGE_CLASSES >= {"BertModel", "BertSelfAttention", "BertEmbeddings"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_badge_points_at_its_own_path(path):
    first = load(path)["cells"][0]
    assert first["cell_type"] == "markdown"
    assert "colab-badge.svg" in source(first)
    assert f"({colab_url(path.name)})" in source(first)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_setup_cell_installs_only_on_colab(path):
    cells = [c for c in load(path)["cells"] if c["cell_type"] == "code"]
    setup = source(cells[0])
    assert '"google.colab" in sys.modules' in setup
    installs = [line for line in setup.splitlines() if "pip install" in line]
    assert installs and all(line.startswith("    ") for line in installs), "install only inside the guard"
    for line in installs:
        assert not re.search(r"(-U\b|--upgrade|\btorch\b|\bnumpy\b|\bipython\b)", line, re.I), line


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_structure_goals_exercises_summary_and_outputs(path):
    cells = load(path)["cells"]
    markdown = "\n".join(source(c) for c in cells if c["cell_type"] == "markdown").lower()
    for heading in ("learning goals", "exercise", "summary"):
        assert heading in markdown, f"{path.name} has no '{heading}' section"
    code = [c for c in cells if c["cell_type"] == "code"]
    assert all(c.get("execution_count") for c in code if source(c).strip()), f"{path.name} is not executed"
    assert any("image/png" in out.get("data", {}) for c in code for out in c.get("outputs", [])), \
        f"{path.name} has no plot"
    assert any(source(c).startswith("# NBVAL_CHECK_OUTPUT") for c in code), f"{path.name} checks no output"
    assert not any(out.get("output_type") == "error" for c in code for out in c.get("outputs", []))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_imports_concepts_from_bertedu_and_redefines_no_package_class(path):
    code = "\n".join(code_without_magics(source(c)) for c in load(path)["cells"] if c["cell_type"] == "code")
    tree = ast.parse(code)
    imported = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert any((isinstance(n, ast.ImportFrom) and (n.module or "").startswith("bertedu"))
               or (isinstance(n, ast.Import) and any(a.name.startswith("bertedu") for a in n.names))
               for n in imported), f"{path.name} does not import bertedu"
    redefined = {n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)} & PACKAGE_CLASSES
    assert not redefined, f"{path.name} redefines package classes {redefined}: import them from bertedu"


@pytest.mark.parametrize("value, expected", [("", False), ("0", False), ("1", True)])
def test_the_online_path_is_opt_in_outside_colab(value, expected):
    # A fresh interpreter: bertedu.course reads BERTEDU_ONLINE (and google.colab) when imported.
    env = {**os.environ, "BERTEDU_ONLINE": value}
    result = subprocess.run([sys.executable, "-c", "from bertedu.course import ONLINE; print(ONLINE)"],
                            capture_output=True, text=True, env=env, timeout=120, check=True)
    assert result.stdout.strip() == str(expected)
