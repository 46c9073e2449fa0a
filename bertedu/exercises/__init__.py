"""Checks for the exercises at the end of each lesson.

Each lesson has a module here (``bertedu.exercises.lesson04`` ...) with ``check_...`` functions that
run the learner's function on test cases, compare with the reference and say what is wrong, and a
``solution(name)`` that prints the reference answer when the learner wants to see it.
"""

from __future__ import annotations

import inspect


class ExerciseFailed(AssertionError):
    """Raised by a check when the learner's answer is wrong; the message says how."""


def passed(message: str) -> bool:
    print(f"Correct! {message}")
    return True


def fail(message: str) -> None:
    raise ExerciseFailed(message)


def show_solution(function) -> str:
    """Print (and return) the source of a reference solution."""
    source = inspect.getsource(function)
    print(source)
    return source
