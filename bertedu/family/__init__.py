"""BERT's family: RoBERTa, ALBERT and DistilBERT, each a small change to bertedu's BERT (lesson 12).

- RoBERTa (Liu et al. 2019, ``roberta``, ``roberta_tokenizer``): the same encoder, a better recipe:
  no next sentence prediction with full-sentence inputs (section 4.2), dynamic masking (4.1), larger
  batches and more data (4.3), a byte-level BPE vocabulary (4.4). In the model: one token type,
  positions counted after the padding id.
- ALBERT (Lan et al. 2019, ``albert``, ``sentence_order``): fewer parameters through a factorised
  embedding (E < H) and one layer shared by all L (section 3.1); sentence-order prediction instead
  of NSP, because NSP is mostly topic prediction (sections 3.1, 4.6).
- DistilBERT (Sanh et al. 2019, ``distilbert``, ``distillation``): half the layers, no token types
  or pooler (section 2), initialised from every other layer of its teacher and trained to match it
  with a triple loss: soft targets, MLM, and the cosine between hidden states (sections 2-3).
"""

from .albert import (
    AlbertConfig,
    AlbertForMaskedLM,
    AlbertForPreTraining,
    AlbertForPreTrainingOutput,
    AlbertModel,
)
from .distilbert import (
    DistilBertConfig,
    DistilBertForMaskedLM,
    DistilBertForSequenceClassification,
    DistilBertModel,
)
from .roberta import (
    RobertaConfig,
    RobertaForMaskedLM,
    RobertaForSequenceClassification,
    RobertaModel,
    create_position_ids_from_input_ids,
)

__all__ = ["AlbertConfig", "AlbertForMaskedLM", "AlbertForPreTraining", "AlbertForPreTrainingOutput",
           "AlbertModel", "create_position_ids_from_input_ids", "DistilBertConfig", "DistilBertForMaskedLM",
           "DistilBertForSequenceClassification", "DistilBertModel", "RobertaConfig", "RobertaForMaskedLM",
           "RobertaForSequenceClassification", "RobertaModel"]
