"""Fine-tuning: one pretrained BERT, a small head per task (BERT paper section 4; lessons 08-10).

- ``models``: ``BertForSequenceClassification``, ``BertForTokenClassification``,
  ``BertForQuestionAnswering`` (the heads of figure 4);
- the data, each in its original format, and its metric: ``glue`` (SST-2, accuracy), ``polarity``
  (Pang & Lee's sentence polarity, SST-2's source, shipped with its split), ``conll`` and
  ``ner_metrics`` (CoNLL-2003, entity F1), ``squad``, ``squad_decoding`` and ``squad_metrics``
  (SQuAD v1.1/v2.0, EM and F1);
- ``tasks``, ``polarity`` and ``squad_task``: what fine-tuning needs to know about each task (``Task``);
- ``run``: ``finetune``, the procedure on the generic ``bertedu.trainer``, and its output folder.
"""

from .models import (
           BertForQuestionAnswering,
           BertForSequenceClassification,
           BertForTokenClassification,
)
from .polarity import PolarityTask
from .run import TASKS, FinetuningResult, finetune, finetuning_arguments, get_task
from .squad_task import SquadTask
from .tasks import ConllTask, Sst2Task, Task

__all__ = ["BertForQuestionAnswering", "BertForSequenceClassification", "BertForTokenClassification",
           "ConllTask", "finetune", "finetuning_arguments", "FinetuningResult", "get_task", "PolarityTask",
           "SquadTask", "Sst2Task", "Task", "TASKS"]
