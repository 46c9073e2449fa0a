"""Pretraining: MLM + NSP on unlabelled text (BERT paper section 3.1, appendix A; lessons 06-07).

In the order the data flows:

- ``cache``: the corpus as WordPieces, tokenized once and kept in a file for later runs;
- ``instances``: cut documents into "[CLS] A [SEP] B [SEP]" pairs for next sentence prediction;
- ``masking``: the 15 % / 80-10-10 masked-LM rule;
- ``marker``: not in the paper: a first phase with a planted marker, off the unigram plateau sooner;
- ``collator``: pairs in, a padded batch with masks and labels out (dynamic or static masking);
- ``heads`` and ``models``: the MLM and NSP heads, ``BertForPreTraining`` and ``BertForMaskedLM``;
- ``run``: the procedure: split, cut, mask, train with ``bertedu.trainer``, evaluate, save.
"""

from .cache import tokenize_corpus
from .collator import DataCollatorForPretraining
from .heads import BertOnlyMLMHead, BertPreTrainingHeads, masked_lm_logits_and_loss
from .instances import (
    PretrainingDataset,
    TrainingInstance,
    build_pretraining_dataset,
    create_training_instances,
    split_documents,
    truncate_seq_pair,
)
from .marker import MarkedDataset, MarkerPhase, plant_marker
from .masking import create_masked_lm_predictions
from .models import BertForMaskedLM, BertForPreTraining
from .run import prepare_pretraining_data, pretrain, pretraining_metrics

__all__ = ["BertForMaskedLM", "BertForPreTraining", "BertOnlyMLMHead", "BertPreTrainingHeads",
           "build_pretraining_dataset", "create_masked_lm_predictions", "create_training_instances",
           "DataCollatorForPretraining", "MarkedDataset", "MarkerPhase", "masked_lm_logits_and_loss",
           "plant_marker", "prepare_pretraining_data", "pretrain",
           "pretraining_metrics", "PretrainingDataset", "split_documents", "tokenize_corpus",
           "TrainingInstance", "truncate_seq_pair"]
