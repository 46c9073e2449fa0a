"""bertedu: BERT built from scratch, one concept per module, verified against Hugging Face.

A tour, lesson by lesson, of where each concept lives (read the modules in this order):

====  ================================  ======================================================
 #    lesson                            module(s)
====  ================================  ======================================================
00    what BERT is                      ``model`` (``BertModel``), ``config`` (``BertConfig``)
01    tokenization                      ``tokenizer/``: ``basic``, ``wordpiece``, ``encoding``,
                                        ``bert``, ``fast``, ``vocab``
02    embeddings                        ``embeddings`` (token + segment + position, LayerNorm)
03    positional encoding               ``embeddings`` (``sinusoidal_positional_encoding``)
04    attention                         ``attention`` (scaled dot-product, masks, heads)
05    the encoder                       ``activations``, ``encoder``, ``model``, ``outputs``,
                                        ``hf`` (real checkpoints in and out)
06    pretraining objectives            ``pretraining/``: ``instances``, ``masking``,
                                        ``collator``, ``heads``, ``models``
07    pretraining                       ``pretraining/run``, ``pretraining/marker``, ``trainer``,
                                        ``training_state``, ``corpus``, ``cli/pretrain``
08    fine-tuning: classification       ``finetuning/``: ``models``, ``glue``, ``tasks``, ``run``,
                                        ``polarity`` (the course's own sentiment dataset)
09    fine-tuning: NER                  ``finetuning/``: ``conll``, ``ner_metrics``
10    fine-tuning: question answering   ``finetuning/``: ``squad``, ``squad_decoding``,
                                        ``squad_metrics``, ``squad_task``
11    inside BERT: attention heads      ``viz/`` (imported on demand: it needs pyplot)
12    the BERT family; translation      ``family/`` (RoBERTa, ALBERT, DistilBERT, distillation),
                                        ``translation/`` (decoder, encoder-decoder, beam search)
====  ================================  ======================================================

The training loop behind lessons 07-10: ``trainer``, ``training_args``, ``optimization`` (AdamW's
groups, the schedule), ``training_state`` (resumable checkpoints), ``distributed`` (data parallelism
under torchrun); checkpoint files: ``hf`` (the name rules), ``weight_files`` (reading safetensors /
.bin safely).

Shared helpers, one per job: ``files`` (atomic writes, one run per folder, reading text and JSON
with errors that name the file, reproducible gzip), ``inference`` (eval mode), ``labels`` (the
ignore index), ``plots`` (training curves), ``course`` (the course's data and seeds), ``downloads``
(full datasets and corpora where there is a network), ``archives`` (what each corpus archive must
hold; unpacking without trusting it), ``exercises/`` (the checks of each lesson's exercises), ``cli/``
(``python -m bertedu vocab|pretrain|finetune|distill|translate|lab``).

The names people use most are importable from here. Importing bertedu changes no process state
(umask, logging, seeds, threads).
"""

from .attention import BertAttention, BertSelfAttention, scaled_dot_product_attention
from .config import BertConfig
from .corpus import course_corpus, read_corpus
from .embeddings import BertEmbeddings, sinusoidal_positional_encoding
from .encoder import BertEncoder, BertLayer, BertPooler
from .finetuning import (
    TASKS,
    BertForQuestionAnswering,
    BertForSequenceClassification,
    BertForTokenClassification,
    FinetuningResult,
    finetune,
    finetuning_arguments,
    get_task,
)
from .model import BertModel, BertPreTrainedModel
from .pretraining import (
    BertForMaskedLM,
    BertForPreTraining,
    DataCollatorForPretraining,
    PretrainingDataset,
    TrainingInstance,
    build_pretraining_dataset,
    create_masked_lm_predictions,
    create_training_instances,
    pretrain,
    split_documents,
    truncate_seq_pair,
)
from .tokenizer import (
    BasicTokenizer,
    BatchEncoding,
    BertTokenizer,
    BertTokenizerFast,
    WordpieceTokenizer,
    train_wordpiece,
    train_wordpiece_from_scratch,
)
from .trainer import Trainer, TrainingArguments

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
    "finetune",
    "finetuning_arguments",
    "FinetuningResult",
    "get_task",
    "pretrain",
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
