"""A parallel corpus for the course: English sentences and their German translations, from a grammar.

Written for bertedu (no text taken from elsewhere): a small lexicon and the rules of German that make
translation more than word-for-word, each applied where it is marked ``# rule N``:

1. Gender and case: the article and the adjective agree with the noun's gender (der / die / das)
   and case (the object is accusative: der Hund -> den Hund; ein -> einen).
2. Adjective endings follow the article: weak after der/die/das (der kleine Hund, den kleinen Hund),
   mixed after ein/mein/kein (ein kleiner Hund, ein kleines Kind), strong without one (kleine Hunde).
3. The verb agrees with its subject: ich sehe, er sieht, wir sehen ("sees" and "see" have 3 forms).
4. Verb second: after a fronted adverb the verb comes before the subject (heute sieht der Hund ...).
5. Verb last in a subordinate clause: ..., dass der Hund die Katze sieht.
6. Negation: "nicht" after a definite object (sieht die Katze nicht; in a subordinate clause before
   the verb), but an indefinite object is negated with "kein" (does not see a cat -> sieht keine Katze).

German is written in lower case without umlauts or sharp s (gross, weiss), so the course's uncased
English vocabulary spells every target word. ``translation_pairs(n, seed)`` is deterministic.
"""

from __future__ import annotations

import random

# english singular, english plural, german singular, german plural, gender (m / f / n)
NOUNS = [
    ("dog", "dogs", "hund", "hunde", "m"), ("teacher", "teachers", "lehrer", "lehrer", "m"),
    ("friend", "friends", "freund", "freunde", "m"), ("painter", "painters", "maler", "maler", "m"),
    ("uncle", "uncles", "onkel", "onkel", "m"), ("cat", "cats", "katze", "katzen", "f"),
    ("woman", "women", "frau", "frauen", "f"), ("duck", "ducks", "ente", "enten", "f"),
    ("sister", "sisters", "schwester", "schwestern", "f"), ("aunt", "aunts", "tante", "tanten", "f"),
    ("child", "children", "kind", "kinder", "n"), ("horse", "horses", "pferd", "pferde", "n"),
    ("pony", "ponies", "pony", "ponys", "n"), ("pig", "pigs", "schwein", "schweine", "n"),
]
ADJECTIVES = [("small", "klein"), ("big", "gross"), ("old", "alt"), ("young", "jung"), ("brown", "braun"),
              ("black", "schwarz"), ("white", "weiss"), ("clever", "klug"), ("lazy", "faul"), ("happy", "froh")]
# english 3rd singular, english base, german 1st singular, 3rd singular, plural
VERBS = [
    ("sees", "see", "sehe", "sieht", "sehen"), ("finds", "find", "finde", "findet", "finden"),
    ("knows", "know", "kenne", "kennt", "kennen"), ("calls", "call", "rufe", "ruft", "rufen"),
    ("visits", "visit", "besuche", "besucht", "besuchen"), ("asks", "ask", "frage", "fragt", "fragen"),
    ("loves", "love", "liebe", "liebt", "lieben"), ("paints", "paint", "male", "malt", "malen"),
    ("draws", "draw", "zeichne", "zeichnet", "zeichnen"), ("looks for", "look for", "suche", "sucht", "suchen"),
    ("teaches", "teach", "lehre", "lehrt", "lehren"), ("pulls", "pull", "ziehe", "zieht", "ziehen"),
    ("watches", "watch", "beobachte", "beobachtet", "beobachten"), ("brings", "bring", "bringe", "bringt", "bringen"),
]
PRONOUNS = [("i", "ich", "1sg"), ("he", "er", "3sg"), ("she", "sie", "3sg"), ("we", "wir", "pl"), ("they", "sie", "pl")]
ADVERBS = [("today", "heute"), ("now", "jetzt"), ("tomorrow", "morgen"), ("sometimes", "manchmal"), ("here", "hier")]
MATRIX = [("i know", "ich weiss"), ("she says", "sie sagt"), ("we think", "wir denken"),
          ("they hope", "sie hoffen"), ("he believes", "er glaubt")]

# rule 1: the article by determiner, case and gender (p = plural); None: no article
ARTICLES = {
    "the": {"nom": dict(m="der", f="die", n="das", p="die"), "acc": dict(m="den", f="die", n="das", p="die")},
    "a": {"nom": dict(m="ein", f="eine", n="ein", p=None), "acc": dict(m="einen", f="eine", n="ein", p=None)},
    "my": {"nom": dict(m="mein", f="meine", n="mein", p="meine"), "acc": dict(m="meinen", f="meine", n="mein", p="meine")},
    "no": {"nom": dict(m="kein", f="keine", n="kein", p="keine"), "acc": dict(m="keinen", f="keine", n="kein", p="keine")},
}
# rule 2: adjective endings, weak after "the", mixed after a/my/no, strong with no article
WEAK = {"nom": dict(m="e", f="e", n="e", p="en"), "acc": dict(m="en", f="e", n="e", p="en")}
MIXED = {"nom": dict(m="er", f="e", n="es", p="en"), "acc": dict(m="en", f="e", n="es", p="en")}
STRONG_PLURAL = "e"


def noun_phrase(rng: random.Random, case: str, negated: bool = False) -> tuple[str, str, str, bool]:
    """(english, german, person of the verb, definite?) for a random noun phrase in ``case``."""
    english_sg, english_pl, german_sg, german_pl, gender = rng.choice(NOUNS)
    plural = rng.random() < 0.35
    determiner = rng.choice(["the", "the", "my", "a"])  # "a" with a plural: no article ("dogs")
    adjective = rng.choice(ADJECTIVES) if rng.random() < 0.5 else None
    key = "p" if plural else gender
    definite = determiner in ("the", "my")
    english_det = "" if (determiner == "a" and plural) else determiner
    english_words = [adjective[0]] if adjective else []
    english_words.append(english_pl if plural else english_sg)
    if english_det == "a" and english_words[0][0] in "aeiou":
        english_det = "an"
    german_det = "no" if (negated and not definite) else determiner  # rule 6: kein for an indefinite
    article = ARTICLES[german_det][case][key]                          # rule 1
    if adjective is None:
        german_adj = ""
    elif german_det == "the":
        german_adj = adjective[1] + WEAK[case][key]                    # rule 2: weak
    elif article is None:
        german_adj = adjective[1] + STRONG_PLURAL                      # rule 2: strong
    else:
        german_adj = adjective[1] + MIXED[case][key]                   # rule 2: mixed
    english = " ".join(w for w in (english_det, *english_words) if w)
    german = " ".join(w for w in (article, german_adj, german_pl if plural else german_sg) if w)
    return english, german, "pl" if plural else "3sg", definite


def clause(rng: random.Random, negated: bool) -> tuple[str, str, str, str, str]:
    """(english clause, german subject, german verb, german object, nicht-or-empty)."""
    if rng.random() < 0.3:
        english_subject, german_subject, person = rng.choice(PRONOUNS)
    else:
        english_subject, german_subject, person, _ = noun_phrase(rng, "nom")
    english_3sg, english_base, *german_forms = rng.choice(VERBS)
    german_verb = german_forms[("1sg", "3sg", "pl").index(person)]    # rule 3
    english_object, german_object, _, definite = noun_phrase(rng, "acc", negated)
    if negated:
        auxiliary = "does not" if person == "3sg" else "do not"
        english_verb = f"{auxiliary} {english_base}"
    else:
        english_verb = english_3sg if person == "3sg" else english_base
    nicht = "nicht" if negated and definite else ""                   # rule 6
    return f"{english_subject} {english_verb} {english_object}", german_subject, german_verb, german_object, nicht


def sentence_pair(rng: random.Random) -> tuple[str, str]:
    negated = rng.random() < 0.3
    english, subject, verb, obj, nicht = clause(rng, negated)
    form = rng.random()
    if form < 0.25:
        adverb = rng.choice(ADVERBS)
        words = [adverb[1], verb, subject, obj, nicht]                  # rule 4: verb second
        english = f"{adverb[0]} {english}"
    elif form < 0.5:
        matrix = rng.choice(MATRIX)
        words = [matrix[1] + ",", "dass", subject, obj, nicht, verb]    # rule 5: verb last
        english = f"{matrix[0]} that {english}"
    else:
        words = [subject, verb, obj, nicht]
    return english + ".", " ".join(w for w in words if w) + "."


def translation_pairs(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """``n`` distinct (english, german) pairs, the same for the same seed."""
    if n < 1:
        raise ValueError(f"n must be a positive number of sentence pairs, got {n}")
    rng = random.Random(seed)
    pairs: dict[str, str] = {}
    while len(pairs) < n:
        english, german = sentence_pair(rng)
        pairs.setdefault(english, german)
    return list(pairs.items())


def train_dev_split(pairs: list[tuple[str, str]], dev_size: int) -> tuple[list, list]:
    """The last ``dev_size`` pairs are the dev set; no English sentence is in both (pairs are distinct)."""
    if not 0 < dev_size < len(pairs):
        raise ValueError(f"dev_size must be between 1 and {len(pairs) - 1} for {len(pairs)} pairs, got {dev_size}")
    return pairs[:-dev_size], pairs[-dev_size:]
