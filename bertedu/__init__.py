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
from .finetune import TASKS, FinetuningResult, finetuning_arguments, get_task  # the function: bertedu.finetune.finetune
from .finetuning import BertForQuestionAnswering, BertForSequenceClassification, BertForTokenClassification
from .masking import DataCollatorForPretraining, create_masked_lm_predictions
from .model import BertModel, BertPreTrainedModel
from .pretraining import BertForMaskedLM, BertForPreTraining
from .pretraining_data import (PretrainingDataset, TrainingInstance, build_pretraining_dataset,
                               create_training_instances, split_documents, truncate_seq_pair)
from .tokenizer import BertTokenizer
from .trainer import Trainer, TrainingArguments
from .tokenizer_fast import BertTokenizerFast
from .vocab_training import train_wordpiece, train_wordpiece_from_scratch
from .wordpiece import WordpieceTokenizer

__version__ = "0.1.0"
