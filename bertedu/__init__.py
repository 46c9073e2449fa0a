"""bertedu: BERT built from scratch, one concept per module, verified against Hugging Face."""

from .attention import BertAttention, BertSelfAttention, scaled_dot_product_attention
from .config import BertConfig
from .embeddings import BertEmbeddings, sinusoidal_positional_encoding
from .encoder import BertEncoder, BertLayer, BertPooler
from .finetuning import BertForQuestionAnswering, BertForSequenceClassification, BertForTokenClassification
from .model import BertModel, BertPreTrainedModel
from .pretraining import BertForMaskedLM, BertForPreTraining

__version__ = "0.1.0"
