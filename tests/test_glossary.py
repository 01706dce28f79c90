"""Every column a result can put in an output row is explained in the README's output glossary."""

import dataclasses
import importlib
import pkgutil
import re
from pathlib import Path

import replica
from replica.saddle_point.contract import RSFlags

README = Path(__file__).resolve().parents[1] / "README.md"


def result_classes():
    for info in pkgutil.walk_packages(replica.__path__, "replica."):
        if info.name.endswith("__main__"):
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional extra (torch) that is not installed
            continue
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, RSFlags) and obj.__module__ == module.__name__:
                yield obj


def glossary_names():
    text = README.read_text().split("output glossary", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1] for line in text.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`(\w+)`", row)}


def test_every_result_field_is_in_the_glossary():
    names = glossary_names()
    classes = list(result_classes())
    assert len(classes) >= 10  # the collection itself works
    missing = {f"{cls.__name__}.{f.name}" for cls in classes for f in dataclasses.fields(cls) if f.name not in names}
    assert not missing, f"not in the README glossary: {sorted(missing)}"
