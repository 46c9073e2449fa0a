"""The course's English-to-German corpus (lesson 12): deterministic, distinct, and German's rules hold."""

from __future__ import annotations

import re

import pytest

from bertedu.translation.corpus import ADJECTIVES, VERBS, train_dev_split, translation_pairs

PAIRS = translation_pairs(3000, seed=0)
VERB_FORMS = {form for verb in VERBS for form in verb[2:]}
GERMAN_ADJECTIVES = {german for _, german in ADJECTIVES}


def test_pairs_are_deterministic_distinct_and_depend_on_the_seed():
    assert translation_pairs(50, seed=0) == PAIRS[:50]
    assert translation_pairs(50, seed=1) != PAIRS[:50]
    assert len({english for english, _ in PAIRS}) == len(PAIRS)
    assert PAIRS[0] == ("i know that brown women paint the cat.", "ich weiss, dass braune frauen die katze malen.")


def test_known_sentences_are_translated_by_the_rules():
    pairs = dict(PAIRS)
    assert pairs["the uncle does not know the friend."] == "der onkel kennt den freund nicht."        # rules 1, 6
    assert pairs["the brown teacher does not ask big women."] == "der braune lehrer fragt keine grossen frauen."
    assert pairs["here the horse does not bring my pigs."] == "hier bringt das pferd meine schweine nicht."  # 4
    assert pairs["we think that the horse teaches an aunt."] == "wir denken, dass das pferd eine tante lehrt."  # 5


def test_verb_second_after_an_adverb_and_verb_last_after_dass():
    for english, german in PAIRS:
        words = german.rstrip(".").split()
        if english.split()[0] in ("today", "now", "tomorrow", "sometimes", "here"):
            assert words[1] in VERB_FORMS, german       # rule 4
        if "dass" in words:
            assert words[-1] in VERB_FORMS, german      # rule 5


def test_adjective_endings_agree_with_the_article():
    checked = 0
    for _, german in PAIRS:
        for article, adjective in re.findall(r"\b(der|den|das|ein|einen|kein|keinen) (\w+)", german):
            stem = re.sub(r"(e|en|er|es)$", "", adjective)
            if stem not in GERMAN_ADJECTIVES:
                continue
            ending = adjective[len(stem):]
            expected = {"der": "e", "das": "e", "den": "en", "einen": "en", "keinen": "en"}.get(article)
            if expected is None:  # ein / kein: -er (masculine) or -es (neuter)
                assert ending in ("er", "es"), german
            else:
                assert ending == expected, german
            checked += 1
    assert checked > 300


def test_negation_is_nicht_or_kein_never_both():
    for english, german in PAIRS:
        negated = " not " in english
        words = german.rstrip(".").split()
        has_kein = any(w.startswith("kein") for w in words)
        assert negated == ("nicht" in words or has_kein), (english, german)
        assert not ("nicht" in words and has_kein), german


def test_split_keeps_every_pair_once():
    train, dev = train_dev_split(PAIRS, 300)
    assert len(dev) == 300 and train + dev == PAIRS
    with pytest.raises(ValueError, match="dev_size must be between 1 and 2999 for 3000 pairs, got 3000"):
        train_dev_split(PAIRS, 3000)
    with pytest.raises(ValueError, match="n must be a positive number"):
        translation_pairs(0)
