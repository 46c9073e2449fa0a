"""bertviz's neuron view on bertedu weights: copy them into bertviz's own BERT class.

The neuron view shows *why* a head attends where it does: the query vector of one token, the key
vectors of the others, their elementwise product and the softmax of the scaled dot products. It
needs the queries and keys, which no standard model returns, so bertviz ships its own BERT
(``bertviz.transformers_neuron_view.BertModel``). That class uses Hugging Face's parameter names
for a bare ``BertModel``, and so does bertedu, so the mapping below is short and spelled out.
"""

from __future__ import annotations

import torch
from torch import nn

from ..activations import ACT2FN
from ..hf import bare_name

ENCODER_PREFIXES = ("embeddings.", "encoder.", "pooler.")  # bertviz's model has no task heads


def neuron_view_state_dict(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """HF / bertedu names -> bertviz neuron-view names: ``bertedu.hf``'s rules for a bare encoder
    (strip ``bert.``, LayerNorm ``gamma``/``beta`` -> ``weight``/``bias``, drop the id buffers),
    then only the encoder's weights are kept (the MLM, NSP and classifier heads are dropped)."""
    mapped = {}
    for name, tensor in state_dict.items():
        bare = bare_name(name)
        if bare is not None and bare.startswith(ENCODER_PREFIXES):
            mapped[bare] = tensor
    return mapped


def neuron_view_model(model: nn.Module) -> nn.Module:
    """A ``bertviz.transformers_neuron_view.BertModel`` holding ``model``'s weights, in eval mode.

    ``model`` is a bertedu ``BertModel`` or a model with a head (``BertForPreTraining``, ...), or a
    transformers BERT: anything with a BERT ``config`` and HF parameter names. Use it with
    ``bertviz.neuron_view.show(neuron_model, "bert", tokenizer, sentence_a, sentence_b)``.
    """
    from bertviz.transformers_neuron_view import BertConfig as NeuronConfig
    from bertviz.transformers_neuron_view import BertModel as NeuronModel

    config = model.config
    if config.hidden_act not in ACT2FN:
        raise ValueError(f"hidden_act {config.hidden_act!r} is not supported; use one of {sorted(ACT2FN)}")
    neuron_config = NeuronConfig(
        vocab_size_or_config_json_file=config.vocab_size, hidden_size=config.hidden_size,
        num_hidden_layers=config.num_hidden_layers, num_attention_heads=config.num_attention_heads,
        intermediate_size=config.intermediate_size, hidden_act=ACT2FN[config.hidden_act],
        max_position_embeddings=config.max_position_embeddings, type_vocab_size=config.type_vocab_size,
        layer_norm_eps=config.layer_norm_eps, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    neuron_model = NeuronModel(neuron_config)
    weights = neuron_view_state_dict(model.state_dict())
    missing, unexpected = neuron_model.load_state_dict(weights, strict=False)
    # A BertForMaskedLM has no pooler; the pooler plays no part in attention, so that one may be missing.
    missing = [name for name in missing if not name.startswith("pooler.")]
    if missing or unexpected:
        raise ValueError(f"{type(model).__name__}'s weights do not fit bertviz's BERT: "
                         f"missing {missing}, unexpected {unexpected}")
    return neuron_model.eval()
