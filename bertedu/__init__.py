"""bertedu: BERT built from scratch, one concept per module, verified against Hugging Face.

The model (``BertModel`` and its heads), the tokenizer, the pretraining data rules, the training loop
and fine-tuning live in their own modules; the names people use most are importable from here. The
attention viewers are in ``bertedu.viz`` (imported on demand: it needs matplotlib's pyplot).
"""

from .attention import BertAttention, BertSelfAttention, scaled_dot_product_attention
from .basic_tokenizer import BasicTokenizer
from .batch_encoding import BatchEncoding
from .config import BertConfig
from .corpus import course_corpus, read_corpus
from .embeddings import BertEmbeddings, sinusoidal_positional_encoding
from .encoder import BertEncoder, BertLayer, BertPooler
from .finetune import (  # the function: bertedu.finetune.finetune
                               TASKS,
                               FinetuningResult,
                               finetuning_arguments,
                               get_task,
)
from .finetuning import (
                               BertForQuestionAnswering,
                               BertForSequenceClassification,
                               BertForTokenClassification,
)
from .masking import DataCollatorForPretraining, create_masked_lm_predictions
from .model import BertModel, BertPreTrainedModel
from .pretraining import BertForMaskedLM, BertForPreTraining
from .pretraining_data import (
                               PretrainingDataset,
                               TrainingInstance,
                               build_pretraining_dataset,
                               create_training_instances,
                               split_documents,
                               truncate_seq_pair,
)
from .tokenizer import BertTokenizer
from .tokenizer_fast import BertTokenizerFast
from .trainer import Trainer, TrainingArguments
from .vocab_training import train_wordpiece, train_wordpiece_from_scratch
from .wordpiece import WordpieceTokenizer

__all__ = [
    "BasicTokenizer",
    "BatchEncoding",
    "BertAttention",
    "BertConfig",
    "BertEmbeddings",
    "BertEncoder",
    "BertForMaskedLM",
    "BertForPreTraining",
    "BertForQuestionAnswering",
    "BertForSequenceClassification",
    "BertForTokenClassification",
    "BertLayer",
    "BertModel",
    "BertPooler",
    "BertPreTrainedModel",
    "BertSelfAttention",
    "BertTokenizer",
    "BertTokenizerFast",
    "build_pretraining_dataset",
    "course_corpus",
    "create_masked_lm_predictions",
    "create_training_instances",
    "DataCollatorForPretraining",
    "finetuning_arguments",
    "FinetuningResult",
    "get_task",
    "PretrainingDataset",
    "read_corpus",
    "scaled_dot_product_attention",
    "sinusoidal_positional_encoding",
    "split_documents",
    "TASKS",
    "train_wordpiece",
    "train_wordpiece_from_scratch",
    "Trainer",
    "TrainingArguments",
    "TrainingInstance",
    "truncate_seq_pair",
    "WordpieceTokenizer",
]

__version__ = "0.1.0"
