"""MkDocs hooks (``hooks:`` in mkdocs.yml): pages made at build time, never by hand.

* ``cli.md`` — the command-line reference, generated from the argparse parser that
  ``python -m replica.solve`` itself builds (``replica.solve.build_parser(load_problems())``): the usage,
  every subcommand with its options, defaults and allowed values, and the module's notes on output and
  exit statuses.  ``python docs/hooks/build.py`` prints the same page.
* ``figures/*.png`` and ``figures/*.pdf`` of the repository are served under ``figures/`` so that the
  tutorials show the committed pictures (they live outside ``docs/``).
"""

import argparse
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


PREFORMATTED = ("Exit statuses",)  # sections whose text is a column layout: kept as a text block


def _section_text(doc):
    """The module docstring's numpy-style sections (``Title`` over ``-----``) as level-3 headings; Sphinx
    roles (``:mod:`x```) reduced to code."""
    doc = re.sub(r":(?:mod|func|class|meth|attr):`~?([^`]+)`", r"`\1`", doc)
    out, fenced = [], False
    lines = doc.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if i + 1 < len(lines) and re.fullmatch(r"-{3,}", lines[i + 1].strip()) and line.strip():
            if fenced:
                out.append("```")
            out += [f"### {line.strip()}", ""]
            fenced = line.strip() in PREFORMATTED
            if fenced:
                out.append("```text")
            i += 2
            continue
        out.append(line)
        i += 1
    if fenced:
        out.append("```")
    return "\n".join(out)


def _options_table(subparser):
    rows = ["| option | meaning | default | allowed |", "|---|---|---|---|"]
    for action in subparser._actions:
        if isinstance(action, argparse._HelpAction) or not action.option_strings:
            continue
        flags = ", ".join(f"`{o}`" for o in action.option_strings)
        if action.metavar and action.nargs != 0:
            flags += f" `{action.metavar}`"
        text = (action.help or "").replace("|", "\\|")
        default = "" if action.default in (None, argparse.SUPPRESS) or action.required else f"`{action.default}`"
        if action.required:
            default = "required"
        allowed = ", ".join(f"`{c}`" for c in action.choices) if action.choices else ""
        rows.append(f"| {flags} | {text} | {default} | {allowed} |")
    return "\n".join(rows)


def cli_reference():
    """The Markdown of the CLI reference, from the live parser."""
    from replica import __version__, solve

    parser = solve.build_parser(solve.load_problems())
    parser.prog = "python -m replica.solve"
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    doc = solve.__doc__.split("\n\n", 1)
    parts = [
        "# Command-line reference",
        "",
        f"*Generated from the parser of replica {__version__} when the documentation was built "
        "(`docs/hooks/build.py`); `replica ...` (the console script) is the same program as "
        "`python -m replica.solve ...`.*",
        "",
        "```text",
        parser.format_usage().strip(),
        "```",
        "",
        _options_table(parser),
        "",
        _section_text(doc[1]) if len(doc) > 1 else "",
        "",
        "## Subcommands",
        "",
        "| subcommand | what it solves |",
        "|---|---|",
    ]
    helps = {a.dest: a.help for a in sub._choices_actions}
    parts += [f"| [`{name}`](#{name}) | {helps.get(name, '')} |" for name in sub.choices]
    for name, subparser in sub.choices.items():
        subparser.prog = f"python -m replica.solve {name}"
        parts += ["", f"## `{name}` {{#{name}}}", "", helps.get(name) or "", "", "```text",
                  subparser.format_usage().strip(), "```", "", _options_table(subparser)]
    return "\n".join(parts) + "\n"


def on_files(files, config):
    from mkdocs.structure.files import File

    files.append(File.generated(config, "cli.md", content=cli_reference()))
    for path in sorted((ROOT / "figures").glob("*")):
        if path.suffix in (".png", ".pdf"):
            files.append(File.generated(config, f"figures/{path.name}", abs_src_path=str(path)))
    return files


if __name__ == "__main__":
    print(cli_reference())
