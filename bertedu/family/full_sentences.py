"""RoBERTa's FULL-SENTENCES inputs: no sentence pairs, no NSP (Liu et al. 2019, section 4.2).

"Each input is packed with full sentences sampled contiguously from one or more documents, such
that the total length is at most 512 tokens. Inputs may cross document boundaries. When we reach
the end of one document, we begin sampling sentences from the next document and add an extra
separator token between documents." RoBERTa found this at least as good as NSP pairs, which only
the ALBERT paper's SOP later improved on. One segment, so every segment id is 0.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..pretraining.instances import Sentence, TrainingInstance, tokenize_documents


def create_full_sentence_instances(documents: Sequence[Sequence[Sentence]], tokenizer,
                                   max_seq_length: int = 128) -> list[TrainingInstance]:
    """Pack whole sentences, in corpus order, into ``[CLS] ... [SEP]`` inputs of at most
    ``max_seq_length`` tokens; a [SEP] separates documents; a sentence longer than an input is cut."""
    if max_seq_length < 3:
        raise ValueError(f"max_seq_length must be >= 3 ([CLS] a token [SEP]), got {max_seq_length}")
    budget = max_seq_length - 2
    instances: list[TrainingInstance] = []
    current: list[str] = []

    def flush() -> None:
        if current and current[-1] == tokenizer.sep_token:
            current.pop()  # a document separator that ends an input is the final [SEP]
        if current:
            tokens = [tokenizer.cls_token, *current[:budget], tokenizer.sep_token]
            instances.append(TrainingInstance(tokens=tokens, segment_ids=[0] * len(tokens), is_random_next=False,
                                              a_document=-1, a_sentences=range(0), b_document=-1,
                                              b_sentences=range(0)))
            current.clear()

    for document in tokenize_documents(documents, tokenizer, progress_bar=False):
        if current:
            current.append(tokenizer.sep_token)  # the extra separator between documents
        for sentence in document:
            if current and len(current) + len(sentence) > budget:
                flush()
            current.extend(sentence)
    flush()
    return instances
