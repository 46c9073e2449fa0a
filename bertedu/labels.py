"""The label that means "nothing to predict here".

Every loss in BERT is a cross-entropy over some positions only: MLM over the masked tokens (paper
section 3.1), token classification over the first piece of each word, never over padding or
[CLS]/[SEP]. The other positions carry this label, which ``torch.nn.functional.cross_entropy``
skips (its ``ignore_index``) and which Hugging Face uses too.
"""

IGNORE_INDEX = -100
