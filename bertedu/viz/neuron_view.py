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

from ..encoder import ACT2FN

# Checkpoint names that are not encoder weights: the position/segment id buffers some HF versions
# save, and task heads (MLM, NSP, classifiers) that the bare encoder does not have.
NOT_ENCODER = ("embeddings.position_ids", "embeddings.token_type_ids")
ENCODER_PREFIXES = ("embeddings.", "encoder.", "pooler.")


def neuron_view_state_dict(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """HF / bertedu names -> bertviz neuron-view names, rule by rule.

    1. Models with a head keep the encoder under ``bert.``: strip it (bertviz's model is bare).
    2. TensorFlow-era LayerNorm names ``gamma``/``beta`` become ``weight``/``bias``.
    3. Buffers (position/token type ids) and head weights (``cls.``, ``classifier.``, ...) are dropped.
    """
    mapped = {}
    for name, tensor in state_dict.items():
        name = name.removeprefix("bert.")
        name = name.replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias")
        if name in NOT_ENCODER or not name.startswith(ENCODER_PREFIXES):
            continue
        mapped[name] = tensor
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
