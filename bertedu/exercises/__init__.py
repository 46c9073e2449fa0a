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


def not_attempted(name: str, function=None) -> bool:
    """Say how to start when the learner's function still raises NotImplementedError.

    ``name`` is the exercise; the learner's function may have another name, which is the one shown."""
    own = getattr(function, "__name__", name)
    print(f"Not attempted yet: replace `raise NotImplementedError` in `{own}` with your code, run its "
          f"cell, then run this check again. Stuck? solution({name!r}) shows one answer.")
    return False


def solution_of(solutions: dict, lesson: str, name: str) -> str:
    """Print (and return) the reference solution of exercise ``name`` of a lesson."""
    if name not in solutions:
        raise ValueError(f"no exercise named {name!r} in lesson {lesson}; choose one of {sorted(solutions)}")
    return show_solution(solutions[name])


def parameter_count(module_class, config) -> int:
    """How many parameters ``module_class(config)`` has, built on the meta device (shapes only:
    no memory, no random numbers)."""
    import torch

    with torch.device("meta"):
        module = module_class(config)
    return sum(p.numel() for p in module.parameters())


def randomize_(generator, *modules) -> None:
    """Fill every parameter of ``modules`` with standard normal numbers from ``generator``, so a
    check's layers are reproducible and far from their defaults (no gradients recorded)."""
    import torch

    with torch.no_grad():
        for module in modules:
            for parameter in module.parameters():
                parameter.copy_(torch.randn(parameter.shape, generator=generator))
