"""``python -m bertedu COMMAND``: the course's command line.

Each command lives in its own module (``bertedu.cli.<command>``) with ``configure(parser)`` and
``run(args) -> int``. Mistakes a user can make (bad arguments, unreadable files, invalid configs)
end in a one-line error, not a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = {
    "vocab": ("bertedu.cli.vocab", "train a WordPiece vocabulary on a corpus"),
    "pretrain": ("bertedu.cli.pretrain", "pretrain BERT with MLM + NSP"),
    "finetune": ("bertedu.cli.finetune", "fine-tune a BERT checkpoint on SST-2, polarity, CoNLL-2003 or SQuAD"),
    "translate": ("bertedu.cli.translate", "train BERT2BERT on English-to-German, warm-started vs random"),
    "distill": ("bertedu.cli.distill", "distil a BERT checkpoint into a half-depth DistilBERT"),
    "lab": ("bertedu.cli.lab", "open JupyterLab on the course's notebooks (as root too)"),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only the chosen command's module is imported (each pulls in what it needs)."""
    parser = argparse.ArgumentParser(prog="python -m bertedu", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(module=module_name)
        if name == command:
            importlib.import_module(module_name).configure(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run a command; exit code 2 with a one-line error for a user's mistake (bad arguments or files,
    a diverged training run: ``FloatingPointError``), 130 for Ctrl-C. Other exceptions are bugs."""
    argv = sys.argv[1:] if argv is None else argv
    command = next((a for a in argv if a in COMMANDS), None)
    try:
        parser = build_parser(command)  # imports the command's module: Ctrl-C may come here too
        args = parser.parse_args(argv)
        return importlib.import_module(args.module).run(args) or 0
    except (ValueError, OSError, KeyError, FloatingPointError) as error:
        message = str(error) if not isinstance(error, KeyError) else f"missing key {error}"
        print(f"python -m bertedu {command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"python -m bertedu {command or ''}".rstrip() + ": interrupted (every file is written whole "
              "or not at all; a pretraining run continues with --resume)", file=sys.stderr)
        return 130
