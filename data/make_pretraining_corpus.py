"""Build data/pretraining/*.txt.gz, the course's pretraining corpus, from the original files.

    python data/make_pretraining_corpus.py --datasets ../shared/datasets

(``bertedu.downloads.download_pretraining_corpora(FOLDER)`` fetches the three sources into FOLDER.)

- movie_reviews.txt.gz: Pang & Lee's polarity v2.0 (2,000 IMDb reviews, 1.49 M words; CC BY 4.0),
  a review per document, a sentence per line, as distributed (lower-cased, tokenized).
- speeches.txt.gz: the State of the Union addresses 1945-2006 and the inaugural addresses
  1789-2021 (public domain), a speech per document, split into sentences.

The output is deterministic (sorted file order, gzip without a timestamp), in the ``bert`` format
that ``bertedu.corpus.read_corpus`` reads. The sentence-polarity snippets are deliberately left out:
SST-2 was built from the same snippets, and the course scores its checkpoint on SST-2.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bertedu.corpus import read_corpus, read_text  # noqa: E402
from bertedu.files import gzip_bytes, write_file  # noqa: E402

# A few of the speech files carry punctuation from other code pages (Big5 quotes, apostrophes, dashes,
# ellipses and a wide space; a Windows-1252 closing quote used as an apostrophe). Put the intended
# ASCII back; nothing else changes, and any other byte that is not UTF-8 stops the build.
OTHER_CODE_PAGES = {b"\xa1\xa6": b"'", b"\xa1\xa5": b"'", b"\xa1\xa7": b'"', b"\xa1\xa8": b'"',
                    b"\xa1X": b" - ", b"\xa1K": b"...", b"\xa1@": b" ", b"\xbd\xa2": b" cent"}
WINDOWS_APOSTROPHE = re.compile(rb"(?<!\xe2\x80)\x94")  # not the last byte of UTF-8's em dash


def read_speech(path: Path, scratch: Path) -> list[list[str]]:
    data = path.read_bytes()
    for wrong, right in OTHER_CODE_PAGES.items():
        data = data.replace(wrong, right)
    data = WINDOWS_APOSTROPHE.sub(b"'", data)
    scratch.write_text(data.decode("utf-8"), encoding="utf-8")  # fails loudly on any other bad byte
    return read_text(scratch)


def write(documents: list[list[str]], path: Path) -> None:
    text = "\n\n".join("\n".join(document) for document in documents) + "\n"
    write_file(path, gzip_bytes(text.encode("utf-8")))
    words = sum(len(sentence.split()) for document in documents for sentence in document)
    print(f"{path}: {len(documents):,} documents, {sum(map(len, documents)):,} sentences, {words:,} words, "
          f"{path.stat().st_size / 1e6:.2f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--output", type=Path, default=ROOT / "data" / "pretraining")
    args = parser.parse_args()
    args.output.mkdir(parents=True, exist_ok=True)
    reviews = sorted((args.datasets / "movie_reviews").glob("[np][eo][gs]/*.txt"))
    write(read_corpus(reviews, "bert"), args.output / "movie_reviews.txt.gz")
    speeches = sorted((args.datasets / "state_union").glob("*.txt")) + sorted((args.datasets / "inaugural").glob("*.txt"))
    scratch = args.output / ".speech.tmp"
    try:
        documents = [document for path in speeches for document in read_speech(path, scratch)]
    finally:
        scratch.unlink(missing_ok=True)
    write(documents, args.output / "speeches.txt.gz")


if __name__ == "__main__":
    main()
