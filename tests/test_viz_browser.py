"""The offline attention viewer in a real browser: headless Chromium with every network request blocked.

Needs Chromium (Debian's ``chromium`` package: ``apt-get install chromium``; ``.ci/run`` installs it)
driven by Playwright; ``BERTEDU_CHROMIUM`` may point at another Chromium or Chrome binary.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import torch

import bertedu
from bertedu.course import set_seed
from bertedu.viz import ViewInputs, show_attention

TOKENS = ["[CLS]", "the", "cat", "sat", ".", "[SEP]", "it", "purred", "[SEP]"]
B_START = 6
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
LINES = """els => els.map(l => ({head: +l.dataset.head, from: +l.dataset.from, to: +l.dataset.to,
                             opacity: +l.getAttribute('stroke-opacity')}))"""


def chromium_path() -> str | None:
    for candidate in (os.environ.get("BERTEDU_CHROMIUM"), shutil.which("chromium"),
                      shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed (pip install playwright)")
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium found: install Debian's chromium (apt-get install chromium) or set "
                    "BERTEDU_CHROMIUM to a Chromium/Chrome binary; .ci/run installs it in CI")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh page that aborts and records any request that is not a local file or inline data."""
    page = browser.new_page()
    page.blocked, page.errors = [], []

    def route(route):
        if route.request.url.startswith(("file://", "data:")):
            route.continue_()
        else:
            page.blocked.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
    yield page
    assert page.blocked == [], f"the viewer tried to reach the network: {page.blocked}"
    assert page.errors == [], f"JavaScript errors: {page.errors}"
    page.close()


@pytest.fixture(scope="module")
def inputs() -> ViewInputs:
    """Attention of a small random bertedu model with sharpened heads (2 layers, 3 heads)."""
    set_seed(0)
    config = bertedu.BertConfig(vocab_size=30, hidden_size=24, num_hidden_layers=2, num_attention_heads=3,
                                intermediate_size=32)
    model = bertedu.BertModel(config).eval()
    with torch.no_grad():
        for layer in model.encoder.layer:
            layer.attention.self.query.weight.normal_(0, 0.6)
            layer.attention.self.key.weight.normal_(0, 0.6)
        ids = torch.arange(len(TOKENS))[None] + 5
        token_type_ids = (torch.arange(len(TOKENS)) >= B_START).long()[None]
        attentions = model(ids, token_type_ids=token_type_ids, output_attentions=True).attentions
    return ViewInputs(attentions, TOKENS, B_START)


def open_viewer(page, tmp_path: Path, html: str):
    path = tmp_path / "viewer.html"
    path.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{html}</body></html>",
                    encoding="utf-8")
    page.goto(path.as_uri())
    page.wait_for_selector(".bertedu-attention[data-ready=true]", timeout=5000)


def lines(page, root: str = ".bertedu-attention") -> list[dict]:
    return page.eval_on_selector_all(f"{root} .bev-line", LINES)


def expected(attentions, layer: int, head: int, i: int, j: int) -> float:
    return float(attentions[layer][0, head, i, j])


def test_viewer_draws_every_line_with_its_attention_weight(page, tmp_path, inputs):
    view = show_attention(*inputs, layer=1, html_action="return")
    open_viewer(page, tmp_path, view.data)
    drawn = lines(page)
    assert len(drawn) == 3 * len(TOKENS) ** 2  # every head, every query -> key pair
    assert sum(line["opacity"] > 0 for line in drawn) > len(drawn) // 2
    for line in drawn:
        assert line["opacity"] == pytest.approx(
            expected(inputs.attentions, 1, line["head"], line["from"], line["to"]), abs=1e-4)
    assert page.locator(".bev-nojs").count() == 0
    assert page.locator(".bev-token[data-side=left]").all_text_contents() == TOKENS


def test_hovering_a_token_keeps_its_row_or_column(page, tmp_path, inputs):
    open_viewer(page, tmp_path, show_attention(*inputs, heads=[0, 2], html_action="return").data)
    before = lines(page)
    assert {line["head"] for line in before} == {0, 2}

    page.hover(".bev-token[data-side=left][data-index='3']")  # the query "sat"
    for line in lines(page):
        weight = expected(inputs.attentions, 0, line["head"], 3, line["to"]) if line["from"] == 3 else 0.0
        assert line["opacity"] == pytest.approx(weight, abs=1e-4)
    assert page.locator(".bev-readout").text_content().startswith("sat attends most to: head 0")

    page.hover(".bev-token[data-side=right][data-index='5']")  # the key "[SEP]"
    for line in lines(page):
        weight = expected(inputs.attentions, 0, line["head"], line["from"], 5) if line["to"] == 5 else 0.0
        assert line["opacity"] == pytest.approx(weight, abs=1e-4)

    page.mouse.move(1, 500)  # away from every token: all lines come back
    assert lines(page) == before


def test_layer_head_and_sentence_controls_redraw(page, tmp_path, inputs):
    open_viewer(page, tmp_path, show_attention(*inputs, html_action="return").data)
    page.select_option(".bev-layer", "1")
    line = lines(page)[0]
    assert line["opacity"] == pytest.approx(
        expected(inputs.attentions, 1, line["head"], line["from"], line["to"]), abs=1e-4)
    page.click(".bev-head[data-head='1']")  # deselect head 1
    assert {line["head"] for line in lines(page)} == {0, 2}
    assert page.get_attribute(".bev-head[data-head='1']", "aria-pressed") == "false"
    page.select_option(".bev-filter", "ab")  # sentence A queries -> sentence B keys
    drawn = lines(page)
    assert len(drawn) == 2 * B_START * (len(TOKENS) - B_START)
    assert all(line["from"] < B_START <= line["to"] for line in drawn)


def test_two_viewers_on_one_page_do_not_clash(page, tmp_path, inputs):
    one = show_attention(*inputs, heads=[0], html_action="return").data
    two = show_attention(*inputs, heads=[1, 2], html_action="return").data
    open_viewer(page, tmp_path, one + two)
    page.wait_for_selector(".bertedu-attention[data-ready=true] >> nth=1")
    first, second = page.locator(".bertedu-attention").evaluate_all("els => els.map(e => e.id)")
    first_lines = lines(page, f"#{first}")
    assert len(first_lines) == len(TOKENS) ** 2
    assert len(lines(page, f"#{second}")) == 2 * len(TOKENS) ** 2
    page.hover(f"#{second} .bev-token[data-side=left][data-index='1']")
    assert lines(page, f"#{first}") == first_lines  # hovering the second viewer leaves the first alone
    assert all(line["opacity"] == 0 for line in lines(page, f"#{second}") if line["from"] != 1)


def test_viewer_mounts_when_a_notebook_runs_the_script_before_showing_the_output(page, inputs):
    """Classic Notebook evaluates output scripts with jQuery (no document.currentScript) and may do
    it before the output is in the page; the viewer waits for its element."""
    page.set_content("<div id='output'></div>")
    page.evaluate("""html => {
        const detached = document.createElement('div');
        detached.innerHTML = html;  // innerHTML never runs scripts
        detached.querySelectorAll('script').forEach(s => (0, eval)(s.textContent));
        setTimeout(() => document.getElementById('output').appendChild(detached), 150);
    }""", show_attention(*inputs, html_action="return").data)
    page.wait_for_selector(".bertedu-attention[data-ready=true]", timeout=5000)
    assert len(lines(page)) == 3 * len(TOKENS) ** 2


# --- the same viewer inside JupyterLab, served on localhost ---------------------------------------------

@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """A JupyterLab server on a free local port, with its settings and state in a temporary folder."""
    pytest.importorskip("jupyterlab", reason="jupyterlab is not installed")
    import nbformat

    root = tmp_path_factory.mktemp("lab")
    notebook = nbformat.v4.new_notebook(metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})
    notebook.cells = [nbformat.v4.new_code_cell(
        "import torch\nfrom bertedu.viz import show_attention\n"
        "show_attention((torch.tensor([[[[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]]]]),),"
        " ['[CLS]', 'hello', '[SEP]'])")]
    nbformat.write(notebook, root / "viewer.ipynb")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    state = root / ".jupyter"
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(state / "config"),
           "JUPYTER_RUNTIME_DIR": str(state / "runtime"), "MPLBACKEND": "agg"}
    log = open(root / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
         f"--port={port}", "--ServerApp.token=", "--ServerApp.password=", f"--ServerApp.root_dir={root}",
         f"--LabApp.workspaces_dir={state / 'workspaces'}", f"--LabApp.user_settings_dir={state / 'settings'}",
         "--LabApp.news_url=", "--LabServerApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         "--LabApp.expose_app_in_browser=True"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=1)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{(root / 'server.log').read_text()}")
                time.sleep(0.2)
        yield url, root / "server.log"
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


KERNEL_STATUS = """() => {
    const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const kernel = panel && panel.sessionContext && panel.sessionContext.session
        && panel.sessionContext.session.kernel;
    return kernel ? kernel.status : 'no kernel yet';
}"""


def test_viewer_draws_in_jupyterlab(browser, jupyterlab):
    """Run a cell that calls show_attention in a real JupyterLab; only localhost may be reached."""
    url, server_log = jupyterlab
    page = browser.new_page()
    blocked = []

    def route(route):
        if route.request.url.startswith((url, "data:", "blob:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    try:
        page.goto(f"{url}/lab/tree/viewer.ipynb")
        # Run the cell only once its kernel has started and is idle: on a cold, busy machine starting
        # Python and importing torch can take longer than JupyterLab takes to draw the notebook.
        page.wait_for_function(f"({KERNEL_STATUS})() === 'idle'", timeout=120_000)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        try:
            page.wait_for_selector(".bertedu-attention[data-ready=true]", timeout=60_000)
        except Exception as error:
            outputs = page.locator(".jp-OutputArea").all_text_contents()
            pytest.fail(f"the viewer did not appear ({error}); kernel: {page.evaluate(KERNEL_STATUS)}; "
                        f"outputs: {outputs}\nserver log:\n{server_log.read_text()[-3000:]}")
        assert page.locator(".bertedu-attention .bev-line").count() == 9
        page.hover(".bev-token[data-side=left][data-index='1']")
        assert page.locator(".bev-readout").text_content() == "hello attends most to: head 0 \u2192 hello (0.80)"
        opacities = page.eval_on_selector_all(".bev-line", LINES)
        assert [line["opacity"] for line in opacities] == [0, 0, 0, 0.1, 0.8, 0.1, 0, 0, 0]
    finally:
        page.close()
    assert blocked == [], f"JupyterLab or the viewer tried to reach the network: {blocked}"
