"""An offline head view: bertviz's picture of attention, as one self-contained piece of HTML.

Each token appears twice, queries on the left and keys on the right; a line from query ``i`` to key
``j`` in a head's colour is as opaque as that head's attention weight softmax(q_i k_j / sqrt(d_k)).
Hovering a token keeps only its row (or column) of attention. bertviz draws the same view with d3
and require.js fetched from a CDN, which leaves a blank cell offline or behind a firewall; this one
is plain JavaScript and inline SVG with every byte in the output, so it draws in JupyterLab, the
classic Notebook, Colab, VS Code and a saved HTML file, with no network at all.
"""

from __future__ import annotations

import html
import json
import os
import uuid
from collections.abc import Sequence
from pathlib import Path

import torch

from .inputs import check_view_inputs

ASSETS = Path(__file__).resolve().parent.parent / "viz_assets"
DECIMALS = 4  # attention weights are rounded to this many decimals in the page

STYLE = """
#{id} {{ font-family: 'Helvetica Neue', Helvetica, Arial, sans-serif; font-size: 13px; }}
#{id} .bev-controls {{ display: flex; flex-wrap: wrap; gap: 12px; align-items: center; user-select: none; }}
#{id} .bev-head {{ min-width: 24px; margin: 0 2px; border: 2px solid transparent; border-radius: 4px;
                  color: white; cursor: pointer; }}
#{id} .bev-head[aria-pressed=false] {{ opacity: 0.3; }}
#{id} .bev-token {{ cursor: pointer; outline: none; }}
#{id} .bev-readout {{ min-height: 1.5em; margin: 4px 0; }}
"""


class AttentionView:
    """The viewer's HTML. ``.data`` is the HTML string (as in ``IPython.display.HTML``); notebooks
    display the object itself, and ``save(path)`` writes it as a standalone web page."""

    def __init__(self, data: str):
        self.data = data

    def _repr_html_(self) -> str:
        return self.data

    def __repr__(self) -> str:
        return f"AttentionView({len(self.data)} characters of HTML: display it in a notebook or .save(path))"

    def save(self, path: str | os.PathLike) -> Path:
        path = Path(path)
        path.write_text("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Attention heads"
                        f"</title></head>\n<body>\n{self.data}\n</body></html>\n", encoding="utf-8")
        return path


def show_attention(attentions: Sequence[torch.Tensor], tokens: Sequence[str],
                   sentence_b_start: int | None = None, layer: int | None = None,
                   heads: Sequence[int] | None = None, html_action: str = "view") -> AttentionView | None:
    """Draw an interactive head view of ``attentions`` (L of (1, A, T, T)) over ``tokens`` (T).

    ``layer`` is the layer shown first (default 0) and ``heads`` the heads selected first (default
    all); the page lets the learner change both. With ``sentence_b_start`` a menu restricts the view
    to A->A, B->B, A->B or B->A attention. ``html_action="view"`` displays the viewer in the notebook
    and returns None; ``"return"`` returns an ``AttentionView`` (HTML in ``.data``, ``.save(path)``).
    """
    check_view_inputs(attentions, tokens, sentence_b_start)
    num_layers, num_heads = len(attentions), attentions[0].shape[1]
    layer = 0 if layer is None else layer
    if not 0 <= layer < num_layers:
        raise ValueError(f"layer must be in [0, {num_layers}), got {layer}")
    heads = list(range(num_heads)) if heads is None else [int(h) for h in heads]
    if not heads or any(not 0 <= h < num_heads for h in heads):
        raise ValueError(f"heads must be a non-empty list of head indices in [0, {num_heads}), got {heads}")
    if html_action not in ("view", "return"):
        raise ValueError(f"html_action must be 'view' or 'return', got {html_action!r}")
    # float64 before rounding, so that 0.1 is written as 0.1 and not as float32's 0.10000000149.
    stacked = torch.cat([a.detach().double().cpu() for a in attentions]).round(decimals=DECIMALS)  # (L, A, T, T)
    view = AttentionView(head_view_html(stacked.tolist(), list(tokens), sentence_b_start, layer,
                                        sorted(set(heads))))
    if html_action == "return":
        return view
    from IPython.display import display

    display(view)
    return None


def head_view_html(attention: list, tokens: list[str], sentence_b_start: int | None, layer: int,
                   heads: list[int]) -> str:
    """The HTML of one viewer: a container with a unique id, its style, its controls and its script."""
    root_id = f"bertedu-attention-{uuid.uuid4().hex}"
    params = {"rootId": root_id, "tokens": tokens, "attention": attention, "layer": layer,
              "heads": heads, "sentenceBStart": sentence_b_start}
    # JSON is valid JavaScript; escaping <, > and & keeps a token like "</script>" from ending the script.
    data = json.dumps(params).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    script = (ASSETS / "head_view.js").read_text(encoding="utf-8").replace("BERTEDU_PARAMS", data)
    pair_menu = ""
    if sentence_b_start is not None:
        options = [("all", "All"), ("aa", "Sentence A \u2192 A"), ("bb", "Sentence B \u2192 B"),
                   ("ab", "Sentence A \u2192 B"), ("ba", "Sentence B \u2192 A")]
        pair_menu = ("<label>Attention: <select class=\"bev-filter\">" + "".join(
            f"<option value=\"{value}\">{html.escape(name)}</option>" for value, name in options)
            + "</select></label>")
    return f"""<div id="{root_id}" class="bertedu-attention">
<style>{STYLE.format(id=root_id)}</style>
<div class="bev-controls"><label>Layer: <select class="bev-layer"></select></label>{pair_menu}
<span>Heads: <span class="bev-heads"></span></span></div>
<div class="bev-readout"></div>
<p class="bev-nojs">This attention viewer is drawn by JavaScript: run the cell (or trust the notebook) to see it.</p>
<svg class="bev-svg" xmlns="http://www.w3.org/2000/svg"></svg>
</div>
<script type="text/javascript">
{script}</script>"""
