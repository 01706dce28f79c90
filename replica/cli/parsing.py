"""Values of a numeric option: a value ``2``, a list ``1,2,4``, a range ``start:stop:num`` or a
log-spaced range ``start:stop:num:log``."""

import numpy as np


def count_values(text):
    """How many values ``parse_values(text)`` gives, read off the text without building them.

    A malformed text counts as 1 (``parse_values`` then names what is wrong with it).
    """
    text = str(text).strip()
    if ":" in text:
        parts = text.split(":")
        try:
            num = int(parts[2].strip()) if len(parts) in (3, 4) else 1
        except ValueError:
            return 1
        return max(num, 1)
    return text.count(",") + 1


def parse_values(text, kind=float, limit=None):
    """Parse one option's text into a list of values of type ``kind``.

    ``start:stop:num`` is ``num`` evenly spaced values including both ends (``numpy.linspace``);
    ``start:stop:num:log`` is ``num`` values evenly spaced in log scale (``numpy.geomspace``: ratios
    equal, both ends exact), start and stop non-zero and of the same sign (``1e-4:10:6:log`` is
    1e-4, 1e-3, ..., 10); ``:lin`` may be written for the default.  Integer options round the
    values, and refuse a log range whose rounded values repeat.
    ``limit``: refuse (ValueError) a range of more than ``limit`` values before building it.
    Raises ValueError with a short reason on malformed input.
    """
    text = text.strip()
    if ":" in text:
        parts = text.split(":")
        if len(parts) not in (3, 4):
            raise ValueError(f"a range is start:stop:num or start:stop:num:log, got {text!r}")
        spacing = parts[3].strip().lower() if len(parts) == 4 else "lin"
        if spacing not in ("lin", "log"):
            raise ValueError(f"a range's spacing is lin or log, got {parts[3].strip()!r} in {text!r}")
        start, stop = (_number(p, float) for p in parts[:2])
        num = _number(parts[2], int)
        if num < 1:
            raise ValueError(f"a range needs num >= 1, got {text!r}")
        if limit is not None and num > limit:
            raise ValueError(f"a range of {num} values is above the limit of {limit} (--max-points)")
        if spacing == "log":
            if start == 0 or stop == 0 or (start < 0) != (stop < 0):
                raise ValueError(f"a log range needs start and stop non-zero and of the same sign, got {text!r}")
            values = np.geomspace(start, stop, num)
        else:
            values = np.linspace(start, stop, num)
        if kind is float:
            return [kind(v) for v in values]
        values = [kind(round(v)) for v in values]
        if spacing == "log" and len(set(values)) < len(values):
            raise ValueError(f"the log range {text!r} repeats integers once rounded; use fewer values")
        return values
    items = [t for t in text.split(",")]
    if not items or any(not t.strip() for t in items):
        raise ValueError(f"empty value in {text!r}")
    return [_number(t, kind) for t in items]


def _number(text, kind):
    try:
        value = kind(text.strip())
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a{'n integer' if kind is int else ' number'}") from None
    if kind is float and not np.isfinite(value):
        raise ValueError(f"{text.strip()!r} is not a finite number")
    return value


# argparse ``type=`` converters shared by the experiment subcommands (train, storage); each raises
# argparse.ArgumentTypeError with the phrase the CLI prints as its one-line error
def value_list(kind):
    """argparse type: a value ``3``, a list ``1,2,4`` or a range ``a:b:n`` (:func:`parse_values`)."""
    import argparse

    def parse(text):
        try:
            return parse_values(str(text), kind)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from None
    return parse


def word_list(allowed):
    """argparse type: a comma-separated list of words from ``allowed`` (duplicates dropped, order kept)."""
    import argparse

    def parse(text):
        words = [w.strip() for w in str(text).split(",") if w.strip()]
        if not words:
            raise argparse.ArgumentTypeError(f"expected at least one of {', '.join(allowed)}")
        for w in words:
            if w not in allowed:
                raise argparse.ArgumentTypeError(f"expected one of {', '.join(allowed)}; got {w!r}")
        return list(dict.fromkeys(words))
    return parse


def bounded(kind, ok, phrase):
    """argparse type: one ``kind`` value with ``ok(value)`` true, else ``expected <phrase>, got ...``."""
    import argparse

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {phrase}, got {text!r}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"expected {phrase}, got {text!r}")
        return value
    return parse


positive_int = bounded(int, lambda v: v >= 1, "a positive integer")
non_negative_int = bounded(int, lambda v: v >= 0, "an integer >= 0")
positive_float = bounded(float, lambda v: v > 0 and v != float("inf"), "a finite number > 0")
