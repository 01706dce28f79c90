"""Every runnable code block of the README and of docs/ is executed (issue 13, part 5).

* a ```python block is executed (``exec``) in a fresh namespace, in this process; a block preceded by
  ``<!--pytest-codeblocks:cont-->`` continues the namespace of the block before it;
* a ```bash block is split into commands (``\\``-continued lines joined, ``&&`` chains split, comments
  dropped); ``pip install ...`` is passed over (the package is installed already), and every
  ``python -m replica.solve ...`` or ``replica ...`` command is run in a subprocess, from a temporary
  folder, with a timeout, and must exit 0.  Any other command in a block that is not skipped fails the
  test: a block that cannot run here must say so;
* a block preceded by ``<!--pytest-codeblocks:skip-->`` is not run — the convention is a comment just
  above it saying why (figure regeneration, long training, the test suite itself);
  ``<!--pytest.mark.slow-->`` marks it slow instead;
* other languages (``text``, ...) are documentation only.

The markers are those of pytest-codeblocks, so either runner reads the same files.
"""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```(\w*)\s*$")
TIMEOUT = 300


class Block:
    def __init__(self, path, line, lang, code, markers):
        self.path, self.line, self.lang, self.code, self.markers = path, line, lang, code, markers

    @property
    def id(self):
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def blocks(path):
    """The fenced blocks of a Markdown file with the HTML-comment markers just above each."""
    lines = path.read_text().splitlines()
    out, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        markers, j = [], i - 1
        while j >= 0 and (lines[j].strip().startswith("<!--") or lines[j].strip().endswith("-->")
                          or not lines[j].strip()) and i - j <= 6:
            markers.append(lines[j].strip())
            j -= 1
        end = i + 1
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        out.append(Block(path, i + 1, m.group(1).lower(), "\n".join(lines[i + 1:end]), " ".join(markers)))
        i = end + 1
    return out


def _collect():
    params = []
    for path in SOURCES:
        previous = None
        for block in blocks(path):
            if block.lang not in ("python", "bash"):
                continue
            block.previous = previous if "pytest-codeblocks:cont" in block.markers else None
            previous = block
            marks = []
            if "pytest-codeblocks:skip" in block.markers:
                marks.append(pytest.mark.skip(reason="marked <!--pytest-codeblocks:skip--> in the document"))
            if "pytest.mark.slow" in block.markers:
                marks.append(pytest.mark.slow)
            params.append(pytest.param(block, id=block.id, marks=marks))
    return params


def commands(code):
    """The commands of a bash block: continuation lines joined, comments dropped, ``&&`` chains split."""
    joined = re.sub(r"\s*\\\n\s*", " ", code)
    out = []
    for line in joined.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        out += [c.strip() for c in line.split("&&") if c.strip()]
    return out


def _run_python(block, namespace):
    exec(compile(block.code, block.id, "exec"), namespace)  # noqa: S102 - the documented code itself


def _run_bash(block, tmp_path):
    cmds = commands(block.code)
    assert cmds, f"{block.id}: an empty bash block"
    for cmd in cmds:
        if cmd.startswith("pip install"):
            continue
        argv = shlex.split(cmd)
        if argv[:3] == ["python", "-m", "replica.solve"]:
            argv = [sys.executable, *argv[1:]]
        elif argv[0] == "replica":
            argv = [sys.executable, "-m", "replica.solve", *argv[1:]]
        else:
            pytest.fail(f"{block.id}: cannot run {cmd!r} here; mark the block <!--pytest-codeblocks:skip--> "
                        f"with a comment saying why")
        env = {**os.environ, "REPLICA_COMPILE_NOTICE": "0"}
        proc = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=TIMEOUT)
        assert proc.returncode == 0, f"{block.id}: {cmd}\nexit {proc.returncode}\n{proc.stderr[-2000:]}"
        assert proc.stdout.strip(), f"{block.id}: {cmd} printed nothing"


_NAMESPACES = {}


@pytest.mark.parametrize("block", _collect())
def test_code_block(block, tmp_path, monkeypatch):
    if block.lang == "bash":
        _run_bash(block, tmp_path)
        return
    monkeypatch.chdir(tmp_path)  # a block that writes files writes them here
    namespace = dict(_NAMESPACES.get(block.previous.id, {})) if block.previous is not None else {}
    namespace.setdefault("__name__", "__docs__")
    _run_python(block, namespace)
    _NAMESPACES[block.id] = namespace


def test_the_collector_sees_the_blocks():
    """The parser finds the README's first command and its Python snippet (so a broken parser cannot
    make the test above vacuous), and every skipped block says why in a comment."""
    readme = [b for b in blocks(ROOT / "README.md") if b.lang in ("python", "bash")]
    assert any("python -m replica.solve gm-erm" in b.code for b in readme)
    assert any(b.lang == "python" and "gm.simulate" in b.code for b in readme)
    for path in SOURCES:
        for b in blocks(path):
            if "pytest-codeblocks:skip" in b.markers:
                assert re.search(r"<!--(?!\s*pytest)[^>]*\w", b.markers), f"{b.id}: a skipped block needs a reason"
    assert commands("pip install -e . && python -m replica.solve a \\\n    --b 1  # c") == [
        "pip install -e .", "python -m replica.solve a --b 1"]


def test_theory_references_point_at_existing_sections():
    """The code cites the theory as "docs/theory.md §n": every such n is a section of docs/theory.md
    (heading ``## n. ... {#sn}``), and nothing cites a THEORY document outside the repository."""
    sections = set(re.findall(r"^## (\d+)\. .*\{#s\1\}$", (ROOT / "docs" / "theory.md").read_text(), re.M))
    assert sections == {str(n) for n in range(11)}
    cited, stale = set(), []
    for folder in ("replica", "tests", "figures", "bench", "docs"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in (".py", ".md") or path.name == Path(__file__).name:
                continue
            text = path.read_text()
            cited |= set(re.findall(r"docs/theory\.md §(\d+)", text)) | set(re.findall(r"theory\.md#s(\d+)", text))
            if "THEORY" in text:
                stale.append(str(path.relative_to(ROOT)))
    readme = (ROOT / "README.md").read_text()
    cited |= set(re.findall(r"docs/theory\.md §(\d+)", readme))
    assert "THEORY" not in readme and not stale, stale
    assert cited and cited <= sections, cited - sections
