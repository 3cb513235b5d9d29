"""The Examples sections of the public docstrings run, and print what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

import activelab

#: Modules defining activelab.__all__, plus the public modules the API reference shows.
PUBLIC_MODULES = sorted(
    {obj.__module__ for name in activelab.__all__
     if (obj := getattr(activelab, name)) is not None and hasattr(obj, "__module__")}
    | {"activelab.strategies.base", "activelab.strategies.selection", "activelab.models.factory",
       "activelab.models.semi_supervised", "activelab.models.model_choice",
       "activelab.tasks.regression", "activelab.tasks.multilabel", "activelab.tasks.anomaly",
       "activelab.tasks.clustering", "activelab.tasks.matching", "activelab.tasks.cleaning",
       "activelab.tasks.imbalance", "activelab.tasks.weak_supervision",
       "activelab.tasks.detection", "activelab.data"})
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def run_doctests(module_name: str) -> doctest.TestResults:
    """Run the examples of a module and of every object its ``__all__`` exports.

    Exported objects are often defined in private modules; ``module=False`` makes
    the finder take them (and their methods) as they are.
    """
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    tests = {test.name: test for test in finder.find(module, module_name)}
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name)
        if callable(obj) or isinstance(obj, type):
            home = importlib.import_module(getattr(obj, "__module__", module_name))
            for test in finder.find(obj, f"{module_name}.{name}", module=False,
                                    globs=dict(vars(home))):
                tests.setdefault(test.name, test)
    for test in tests.values():
        runner.run(test)
    return runner.summarize(verbose=False)


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_docstring_examples_run(module_name):
    results = run_doctests(module_name)
    assert results.failed == 0, f"{results.failed} of {results.attempted} examples failed"


def test_every_class_and_function_of_the_top_level_api_has_an_example():
    missing = [name for name in activelab.__all__
               if callable(obj := getattr(activelab, name))
               and not issubclass_of_error(obj)
               and ">>>" not in (obj.__doc__ or "")]
    assert missing == []


def test_every_parameter_of_the_top_level_api_is_documented():
    """numpydoc: each parameter under Parameters (a dataclass's fields under Attributes)."""
    import inspect
    import re

    undocumented = []
    for name in activelab.__all__:
        obj = getattr(activelab, name)
        if not callable(obj) or issubclass_of_error(obj):
            continue
        doc = obj.__doc__ or ""
        documented = set(re.findall(r"^ {4}(\w+)(?:, \w+)* :", doc, flags=re.M))
        documented |= {n for line in re.findall(r"^ {4}(\w+(?:, \w+)+) :", doc, flags=re.M)
                       for n in line.split(", ")}
        for parameter in inspect.signature(obj).parameters:
            if parameter not in documented and parameter != "self":
                undocumented.append(f"{name}({parameter})")
    assert undocumented == []


def issubclass_of_error(obj: object) -> bool:
    """Exceptions and warnings are documented by the tree in activelab.exceptions."""
    return isinstance(obj, type) and issubclass(obj, Exception)


def test_a_wrong_example_is_reported():
    bad = doctest.DocTestParser().get_doctest(">>> 1 + 1\n3\n", {}, "bad", None, 0)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    runner.run(bad, out=lambda text: None)
    assert runner.summarize(verbose=False).failed == 1
