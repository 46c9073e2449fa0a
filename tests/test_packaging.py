"""The set-up a learner follows stays consistent: pyproject.toml, environment.yml, Makefile, CI."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
RUNTIME = {"torch", "numpy", "tokenizers", "safetensors", "matplotlib", "tqdm"}


def name_of(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower()


def test_runtime_dependencies_are_exactly_the_six():
    assert {name_of(r) for r in PYPROJECT["project"]["dependencies"]} == RUNTIME


def test_extras():
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert {"transformers", "pytest", "hypothesis", "nbval", "jupyterlab", "ipykernel", "ruff"} <= {
        name_of(r) for r in extras["dev"]}
    assert {name_of(r) for r in extras["viz"]} == {"bertviz"}


def test_environment_yml_matches_pyproject():
    text = (ROOT / "environment.yml").read_text()
    python = re.search(r"^\s*-\s*python=(\d+)\.(\d+)", text, re.M)
    assert python, "environment.yml pins no python version"
    minimum = re.search(r">=(\d+)\.(\d+)", PYPROJECT["project"]["requires-python"])
    assert (int(python[1]), int(python[2])) >= (int(minimum[1]), int(minimum[2]))
    assert re.search(r"^\s*-\s*pip\s*$", text, re.M), "environment.yml must install pip"
    install = re.search(r"-e \.\[([a-z,]+)\]", text)
    assert install, "environment.yml's pip section must install the package: -e .[extras]"
    assert set(install[1].split(",")) == set(PYPROJECT["project"]["optional-dependencies"])
    assert "download.pytorch.org/whl/cpu" in text, "conda route must take CPU-only torch"


def test_every_third_party_import_in_the_package_is_a_runtime_dependency():
    allowed = RUNTIME | {"bertedu"}
    optional = {"transformers", "bertviz", "IPython", "playwright", "sacrebleu"}  # imported inside functions only
    stdlib = set(sys.stdlib_module_names)
    for path in (ROOT / "bertedu").rglob("*.py"):
        tree = ast.parse(path.read_text())
        top_level = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module.split(".")[0]]
            else:
                continue
            for name in names:
                if name in stdlib or name in allowed:
                    continue
                assert name in optional, f"{path.name} imports {name}, not a runtime dependency"
                assert id(node) not in top_level, f"{path.name} imports optional {name} at module level"


def test_make_targets_and_ci():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("lab", "test", "course", "bench", "pretrain"):
        assert re.search(rf"^{target}:", makefile, re.M), target
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme


def test_make_lab_passes_allow_root_only_for_root():
    from bertedu.cli.lab import lab_command

    as_root = lab_command("notebooks", 8888, "localhost", "abc", euid=0)
    as_user = lab_command("notebooks", 8888, "localhost", "abc", euid=1000, no_browser=True)
    assert as_root[1:5] == ["-m", "jupyter", "lab", "notebooks"] and "--allow-root" in as_root
    assert "--allow-root" not in as_user and "--no-browser" in as_user
    assert "--IdentityProvider.token=abc" in as_root and "--ServerApp.port=8888" in as_root
    assert "--ServerApp.port_retries=0" in as_root  # the printed URL's port is the one served


def test_make_lab_serves_jupyterlab_and_prints_its_url(tmp_path):
    """`python -m bertedu lab` as this user (root in CI): the server answers at the printed URL."""
    import re
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        port = probe.getsockname()[1]
    (tmp_path / "n.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    process = subprocess.Popen([sys.executable, "-m", "bertedu", "lab", "--notebooks", str(tmp_path),
                                "--port", str(port), "--no-browser"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = None
        deadline = time.monotonic() + 90
        for line in process.stdout:
            match = re.search(r"open (http://localhost:\d+/lab\?token=\w+)", line)
            url = url or (match and match.group(1))
            if url:
                break
        assert url and f":{port}/" in url
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url.replace("/lab?", "/api/status?"), timeout=5) as response:
                    assert response.status == 200
                    break
            except OSError:
                time.sleep(1)
        else:
            raise AssertionError("JupyterLab did not answer at the printed URL")
    finally:
        process.terminate()
        process.wait(timeout=30)
