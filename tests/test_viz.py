"""bertedu.viz: bertviz's three views on bertedu models, the offline viewer's HTML, summaries, plots."""

from __future__ import annotations

import json
import math
import re

import matplotlib
import pytest
import torch
from conftest import hf_config
from hypothesis import given, settings
from hypothesis import strategies as st

import bertedu
from bertedu.pretraining.models import BertForPreTraining
from bertedu.viz import (
    AttentionView,
    ViewInputs,
    attention_for_text,
    average_head_summary,
    head_summary,
    neuron_view_model,
    neuron_view_state_dict,
    plot_attention,
    plot_head_summary,
    select_sequence,
    sentence_b_start_from,
    show_attention,
    top_heads,
)

matplotlib.use("Agg")
import matplotlib.pyplot as plt

WORDS = ["the", "cat", "sat", "on", "mat", "it", "was", "happy", "dog", "ran", "##s", ".", "</script>"]
VOCAB = {t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + WORDS)}
CONFIG = dict(vocab_size=len(VOCAB), hidden_size=32, num_hidden_layers=3, num_attention_heads=4,
              intermediate_size=37)


@pytest.fixture(scope="module")
def tokenizer():
    import transformers

    return transformers.BertTokenizer(vocab=VOCAB)


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    config = bertedu.BertConfig(**CONFIG, hidden_act="gelu_new")
    model = bertedu.BertModel(config)
    with torch.no_grad():  # larger query/key weights than the N(0, 0.02) init: peaked, varied heads
        for layer in model.encoder.layer:
            layer.attention.self.query.weight.normal_(0, 0.5)
            layer.attention.self.key.weight.normal_(0, 0.5)
    return model.eval()


@pytest.fixture(scope="module")
def pair(model, tokenizer) -> ViewInputs:
    return attention_for_text(model, tokenizer, "the cat sat on the mat.", "it was happy.")


def test_attention_for_text_is_a_batch_of_one_with_tokens_and_sentence_b(model, tokenizer, pair):
    attentions, tokens, b_start = pair
    assert tokens == ["[CLS]", "the", "cat", "sat", "on", "the", "mat", ".", "[SEP]",
                      "it", "was", "happy", ".", "[SEP]"]
    assert b_start == 9
    assert len(attentions) == 3 and all(a.shape == (1, 4, 14, 14) for a in attentions)
    ids = torch.tensor([tokenizer.convert_tokens_to_ids(tokens)])
    expected = model(ids, token_type_ids=(torch.arange(14) >= 9).long()[None], output_attentions=True)
    for ours, theirs in zip(attentions, expected.attentions):
        torch.testing.assert_close(ours, theirs, atol=0, rtol=0)
    single = attention_for_text(model, tokenizer, "the dog ran")
    assert single.sentence_b_start is None and single.tokens == ["[CLS]", "the", "dog", "ran", "[SEP]"]


def test_attention_for_text_restores_training_mode_and_runs_without_dropout(model, tokenizer):
    model.train()
    try:
        first = attention_for_text(model, tokenizer, "the cat sat").attentions
        second = attention_for_text(model, tokenizer, "the cat sat").attentions
        assert model.training
    finally:
        model.eval()
    for a, b in zip(first, second):
        assert torch.equal(a, b)


def test_attention_for_text_on_transformers_needs_eager_attention(model, tokenizer, pair):
    import transformers

    hf = transformers.BertModel(hf_config(model.config)).eval()
    hf.load_state_dict(model.state_dict(), strict=False)
    hf_pair = attention_for_text(hf, tokenizer, "the cat sat on the mat.", "it was happy.")
    for ours, theirs in zip(pair.attentions, hf_pair.attentions):
        torch.testing.assert_close(ours, theirs, atol=1e-5, rtol=0)

    class NoAttentions(torch.nn.Module):
        def forward(self, input_ids, token_type_ids=None, output_attentions=False):
            return bertedu.model.BaseModelOutputWithPooling(last_hidden_state=input_ids.float())

    with pytest.raises(ValueError, match="attn_implementation='eager'"):
        attention_for_text(NoAttentions(), tokenizer, "the cat")


def test_select_sequence_cuts_padding_and_checks_the_mask():
    attentions = tuple(torch.rand(3, 2, 5, 5) for _ in range(2))
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]])
    picked = select_sequence(attentions, 1, mask)
    assert [a.shape for a in picked] == [(1, 2, 3, 3)] * 2
    assert torch.equal(picked[0][0], attentions[0][1, :, :3, :3])
    assert select_sequence(attentions, -1)[1].shape == (1, 2, 5, 5)
    with pytest.raises(ValueError, match="outside the batch of 3"):
        select_sequence(attentions, 3)
    with pytest.raises(ValueError, match="padding at the end"):
        select_sequence(attentions, 0, torch.tensor([[1, 0, 1, 1, 1]] * 3))


def test_sentence_b_start_from_token_type_ids():
    assert sentence_b_start_from(torch.tensor([[0, 0, 0, 1, 1]])) == 3
    assert sentence_b_start_from(torch.tensor([[0, 0, 0]])) is None


@pytest.mark.parametrize("attentions, tokens, b_start, message", [
    (torch.rand(1, 2, 3, 3), ["a"] * 3, None, "tuple with one"),
    ((torch.rand(2, 2, 3, 3),), ["a"] * 3, None, "batch size 2"),
    ((torch.rand(2, 3, 3),), ["a"] * 3, None, r"shape \(1, heads, T, T\), got \(2, 3, 3\)"),
    ((torch.rand(1, 2, 3, 3), torch.rand(1, 2, 4, 4)), ["a"] * 3, None, "like attentions"),
    ((torch.rand(1, 2, 3, 3),), ["a"] * 4, None, "4 tokens for attention over 3"),
    ((torch.rand(1, 2, 3, 3),), ["a"] * 3, 3, r"sentence_b_start must be None or a position in \(0, 3\)"),
])
def test_views_reject_bad_inputs_with_a_clear_message(attentions, tokens, b_start, message):
    with pytest.raises(ValueError, match=message):
        show_attention(attentions, tokens, b_start, html_action="return")


# --- bertviz's head view and model view take bertedu's attentions as they are ------------------------

def _bertviz_params(html: str) -> dict:
    return json.loads(re.search(r"const params = (\{.*?\}); // HACK", html, re.DOTALL).group(1))


@pytest.mark.parametrize("view", ["head_view", "model_view"])
def test_bertviz_views_accept_view_inputs(pair, view):
    import bertviz

    html = getattr(bertviz, view)(*pair, html_action="return").data
    params = _bertviz_params(html)
    names = [d["name"] for d in params["attention"]]
    assert names[:3] == ["All", "Sentence A -> Sentence A", "Sentence B -> Sentence B"]
    everything = params["attention"][0]
    assert everything["left_text"] == pair.tokens
    assert torch.allclose(torch.tensor(everything["attn"]), torch.cat(pair.attentions), atol=1e-6)
    a_to_b = params["attention"][3]
    assert a_to_b["left_text"] == pair.tokens[:9] and a_to_b["right_text"] == pair.tokens[9:]


# --- neuron view: bertviz's own BERT class with bertedu's weights ------------------------------------

def test_neuron_view_state_dict_rules():
    state = {"bert.embeddings.LayerNorm.gamma": 1, "bert.embeddings.LayerNorm.beta": 2,
             "bert.embeddings.position_ids": 3, "bert.encoder.layer.0.attention.self.query.weight": 4,
             "cls.predictions.bias": 5, "pooler.dense.weight": 6, "classifier.weight": 7}
    assert neuron_view_state_dict(state) == {
        "embeddings.LayerNorm.weight": 1, "embeddings.LayerNorm.bias": 2,
        "encoder.layer.0.attention.self.query.weight": 4, "pooler.dense.weight": 6}


@pytest.mark.parametrize("with_head", [False, True], ids=["BertModel", "BertForPreTraining"])
def test_neuron_view_model_reproduces_bertedu_attention(model, with_head):
    if with_head:
        source = BertForPreTraining(model.config).eval()
        source.bert.load_state_dict(model.state_dict())
    else:
        source = model
    neuron = neuron_view_model(source)
    ids = torch.tensor([[2, 5, 6, 7, 3, 10, 11, 3]])
    token_type_ids = torch.tensor([[0, 0, 0, 0, 0, 1, 1, 1]])
    theirs = neuron(ids, token_type_ids=token_type_ids)[-1]
    ours = model(ids, token_type_ids=token_type_ids, output_attentions=True).attentions
    assert len(theirs) == len(ours)
    for layer_ours, layer_theirs in zip(ours, theirs):
        torch.testing.assert_close(layer_theirs["attn"], layer_ours, atol=1e-5, rtol=0)


def test_neuron_view_show_runs_on_bertedu_weights(model, tokenizer, pair):
    from bertviz.neuron_view import show

    html = show(neuron_view_model(model), "bert", tokenizer, "the cat sat on the mat.", "it was happy.",
                html_action="return").data
    params = json.loads(re.search(r"window\.bertviz_params = (\{.*\})", html).group(1))
    everything = params["attention"]["all"]
    assert everything["left_text"] == pair.tokens
    assert torch.allclose(torch.tensor(everything["attn"]), torch.cat(pair.attentions), atol=1e-5)
    assert len(everything["queries"]) == 3


def test_neuron_view_model_rejects_weights_that_do_not_fit(model):
    class Odd(torch.nn.Module):
        config = model.config

        def state_dict(self):
            return {"embeddings.word_embeddings.weight": model.embeddings.word_embeddings.weight}

    with pytest.raises(ValueError, match="do not fit bertviz's BERT: missing"):
        neuron_view_model(Odd())


# --- the offline viewer's HTML ------------------------------------------------------------------------

def _viewer_params(html: str) -> dict:
    return json.loads(re.search(r"var params = (\{.*?\});\n", html, re.DOTALL).group(1))


def test_show_attention_returns_self_contained_html_with_the_data(pair):
    view = show_attention(*pair, layer=2, heads=[3, 1], html_action="return")
    assert isinstance(view, AttentionView) and view._repr_html_() == view.data
    assert repr(view) == f"AttentionView({len(view.data)} characters of HTML: display it in a notebook or .save(path))"
    html = view.data
    # No network: no src/href at all, and the only URL is the SVG namespace, which is never fetched.
    assert "src=" not in html and "href=" not in html and "cdn" not in html.lower()
    assert set(re.findall(r"https?://[^\s\"')]+", html)) == {"http://www.w3.org/2000/svg"}
    params = _viewer_params(html)
    assert params["tokens"] == pair.tokens and params["layer"] == 2 and params["heads"] == [1, 3]
    assert params["sentenceBStart"] == 9 and params["rootId"] in html
    assert torch.allclose(torch.tensor(params["attention"]), torch.cat(pair.attentions), atol=5e-5)
    assert "Sentence A \u2192 B" in html


def test_show_attention_ids_are_unique_and_tokens_cannot_break_out_of_the_script():
    attentions = (torch.full((1, 1, 2, 2), 0.5),)
    first = show_attention(attentions, ["[CLS]", "</script>"], html_action="return").data
    second = show_attention(attentions, ["[CLS]", "</script>"], html_action="return").data
    assert _viewer_params(first)["rootId"] != _viewer_params(second)["rootId"]
    assert first.count("</script>") == 1 and "Attention:" not in first
    assert _viewer_params(first)["tokens"] == ["[CLS]", "</script>"]


def test_show_attention_view_displays_it(monkeypatch, pair):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    assert show_attention(*pair) is None
    assert len(shown) == 1 and isinstance(shown[0], AttentionView)


def test_attention_view_save_writes_a_standalone_page(tmp_path, pair):
    path = show_attention(*pair, html_action="return").save(tmp_path / "view.html")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page


@pytest.mark.parametrize("kwargs, message", [
    (dict(layer=3), r"layer must be in \[0, 3\)"), (dict(heads=[4]), r"heads must be .* \[0, 4\)"),
    (dict(heads=[]), "non-empty"), (dict(html_action="show"), "'view' or 'return'"),
])
def test_show_attention_rejects_bad_options(pair, kwargs, message):
    with pytest.raises(ValueError, match=message):
        show_attention(*pair, **kwargs)


# --- per-head summaries ------------------------------------------------------------------------------

def test_head_summary_on_hand_made_heads():
    tokens = ["[CLS]", "the", "cat", "the", "[SEP]"]
    previous = torch.zeros(5, 5)
    previous[0, 0] = 1.0
    previous[torch.arange(1, 5), torch.arange(0, 4)] = 1.0
    uniform = torch.full((5, 5), 0.2)
    to_sep = torch.zeros(5, 5)
    to_sep[:, 4] = 1.0
    same = torch.eye(5)
    same[1] = torch.tensor([0.0, 0.0, 0.0, 1.0, 0.0])
    same[3] = torch.tensor([0.0, 0.5, 0.5, 0.0, 0.0])
    summary = head_summary((torch.stack([previous, uniform, to_sep, same])[None],), tokens)
    assert set(summary) == {"cls", "sep", "previous", "next", "self", "same_token", "entropy"}
    expected = {
        "cls": [0.4, 0.2, 0.0, 0.2], "sep": [0.0, 0.2, 1.0, 0.2], "previous": [1.0, 0.2, 0.0, 0.125],
        "next": [0.0, 0.2, 0.25, 0.0], "self": [0.2, 0.2, 0.2, 0.6], "same_token": [0.0, 0.2, 0.0, 0.75],
        "entropy": [0.0, math.log(5), 0.0, 2 * 0.5 * math.log(2) / 5]}
    for name, values in expected.items():
        torch.testing.assert_close(summary[name], torch.tensor([values]), atol=1e-6, rtol=0)
    assert torch.isnan(head_summary((uniform[None, None],), ["[CLS]", "a", "b", "c", "[SEP]"])["same_token"]).all()
    with pytest.raises(ValueError, match="at least 2 tokens"):
        head_summary((torch.ones(1, 1, 1, 1),), ["[CLS]"])


@settings(max_examples=30, deadline=None)
@given(seq_len=st.integers(2, 9), heads=st.integers(1, 3), seed=st.integers(0, 2**16),
       words=st.lists(st.sampled_from(["a", "b", "[SEP]", "[CLS]"]), min_size=9, max_size=9))
def test_head_summary_values_are_probabilities_and_entropy_is_bounded(seq_len, heads, seed, words):
    g = torch.Generator().manual_seed(seed)
    attentions = tuple(torch.randn(1, heads, seq_len, seq_len, generator=g).mul(3).softmax(-1) for _ in range(2))
    summary = head_summary(attentions, words[:seq_len])
    for name in ("cls", "sep", "previous", "next", "self"):
        assert summary[name].shape == (2, heads)
        assert (summary[name] >= -1e-6).all() and (summary[name] <= 1 + 1e-6).all()
    assert (summary["entropy"] >= 0).all() and (summary["entropy"] <= math.log(seq_len) + 1e-5).all()
    total = summary["cls"] + summary["sep"]
    assert (total <= 1 + 1e-5).all()


def test_average_head_summary_skips_nans_and_top_heads_ranks():
    a = {"x": torch.tensor([[1.0, float("nan")], [0.0, 0.5]])}
    b = {"x": torch.tensor([[0.0, 0.4], [0.2, 0.5]])}
    mean = average_head_summary([a, b])["x"]
    torch.testing.assert_close(mean, torch.tensor([[0.5, 0.4], [0.1, 0.5]]))
    assert top_heads(mean, k=2) == [(0, 0, 0.5), (1, 1, 0.5)]
    assert top_heads(a["x"], k=10)[:3] == [(0, 0, 1.0), (1, 1, 0.5), (1, 0, 0.0)]
    with pytest.raises(ValueError, match="at least one"):
        average_head_summary([])
    with pytest.raises(ValueError, match=r"\(layers, heads\)"):
        top_heads(torch.zeros(3))


# --- plots -------------------------------------------------------------------------------------------

def test_plot_attention_one_head_and_the_grid(pair):
    fig = plot_attention(*pair[:2], layer=1, head=2)
    image = fig.axes[0].images[0].get_array()
    assert torch.allclose(torch.tensor(image.data), pair.attentions[1][0, 2])
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == pair.tokens
    grid = plot_attention(*pair[:2], layer=0)
    assert sum(1 for ax in grid.axes if ax.images) == 4
    with pytest.raises(ValueError, match=r"head must be None \(all heads\) or in \[0, 4\)"):
        plot_attention(*pair[:2], head=4)
    with pytest.raises(ValueError, match="ax is only used for one head"):
        plot_attention(*pair[:2], ax=fig.axes[0])
    plt.close("all")


def test_plot_head_summary_draws_one_grid_per_summary(pair):
    summary = head_summary(*pair[:2])
    fig = plot_head_summary(summary, ["previous", "entropy"])
    grids = [ax for ax in fig.axes if ax.images and ax.get_title()]
    assert [ax.get_title() for ax in grids] == ["attention to previous token", "entropy (nats)"]
    assert torch.allclose(torch.tensor(grids[0].images[0].get_array().data), summary["previous"])
    assert len([ax for ax in plot_head_summary(summary).axes if ax.get_title()]) == 7
    with pytest.raises(ValueError, match="names must be summaries"):
        plot_head_summary(summary, ["nope"])
    plt.close("all")
