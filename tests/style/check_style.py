#!/usr/bin/env python3
"""Style checker for the C sources of cwmfs.

Usage: check_style.py [REPO_ROOT]   (default: two directories above this file)

Checks every *.c and *.h under src/, tests/unit/ and tests/fuzz/:
  format   the file is formatted as .clang-format says (clang-format);
  comment  comments are /* ... */ only, never //, and a block comment
           opens on its first line of text and closes on its last
           ("/* text" ... " * text */"), never on a line of its own;
  assign   no assignment inside an if (...) or while (...) condition;
  header   the file opens with "/* <name> - ...";
  docs     no reference to documents that are not in the repository.
Prints "file:line: message" per problem, then a summary.  Exit status:
0 clean, 1 problems found, 2 the check could not run.
"""

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

SOURCE_DIRS = ("src", "tests/unit", "tests/fuzz")
FORMAT_CMD = ("clang-format -i --style=file "
              "src/*.c src/*.h tests/unit/*.[ch] tests/fuzz/*.[ch]")
MISSING_DOCS = re.compile(
    r"fuse-filesystem-notes|connectwise-api\.md|system-api-seed|"
    r"seed-vs-real|shared/reference|\bnotes\s*§", re.IGNORECASE)
CONDITION = re.compile(r"\b(if|while)\s*\(")
EQUALS_OPERATOR = re.compile(r"<<=|>>=|==|!=|<=|>=|[-+*/%&|^]?=")
COMPARISONS = ("==", "!=", "<=", ">=")
DESIGNATOR = re.compile(r"[{,]\s*(\.\w+|\[[^]]*\])\s*$")  # { .a = 1 }
CLANG_VIOLATION = re.compile(r"^(.+?):(\d+):\d+: .*clang-format-violations")


def fail(message):
    print(f"check_style: {message}", file=sys.stderr)
    sys.exit(2)


def source_files(root):
    """Every .c and .h file under SOURCE_DIRS, sorted."""
    return sorted(p for d in SOURCE_DIRS for p in (root / d).rglob("*")
                  if p.suffix in (".c", ".h") and p.is_file())


def literal_end(text, i):
    """The offset just past the string or char literal opening at i."""
    j = i + 1
    while j < len(text) and text[j] not in (text[i], "\n"):
        j += 2 if text[j] == "\\" else 1
    return j + 1


def comment_end(text, i):
    """The offset just past the comment opening at i."""
    if text.startswith("/*", i):
        end = text.find("*/", i + 2)
        return len(text) if end < 0 else end + 2
    end = i
    while end < len(text) and text[end] != "\n":
        end += 2 if text.startswith("\\\n", end) else 1
    return end


def split_source(text):
    """Returns (code, comments) for C source text.

    code is text with every comment, and the inside of every string and
    char literal, blanked to spaces (newlines kept, so offsets and line
    numbers still match); comments lists (line, text) of each comment.
    """
    code, comments = list(text), []
    i = 0
    while i < len(text):
        if text.startswith(("/*", "//"), i):
            end = comment_end(text, i)
            comments.append((text.count("\n", 0, i) + 1, text[i:end]))
            lo, hi = i, end
        elif text[i] in "\"'":
            end = literal_end(text, i)
            lo, hi = i + 1, end - 1  # keep the quotes
        else:
            i += 1
            continue
        for k in range(lo, min(hi, len(text))):
            if text[k] != "\n":
                code[k] = " "
        i = end
    return "".join(code), comments


def line_of(text, offset):
    return text.count("\n", 0, offset) + 1


def check_header(path, text):
    name = re.escape(path.name)
    first = text.split("\n", 1)[0]
    if re.match(rf"/\* {name} - \S", first):
        return
    yield 1, "header", f"file must start with '/* {path.name} - ...'"


def check_comments(comments):
    for line, body in comments:
        if body.startswith("//"):
            yield line, "comment", "// comment: use /* ... */"
        elif body.startswith("/*\n") or re.search(r"\n\s*\*/$", body):
            yield (line, "comment", "open a block comment on its first "
                   "line of text and close it on its last")


def is_assignment(code, cond_start, op):
    """Whether op (an EQUALS_OPERATOR match) assigns; "{ .x = 1 }" does not."""
    if op.group() in COMPARISONS:
        return False
    return not (op.group() == "=" and
                DESIGNATOR.search(code, cond_start, op.start()))


def check_conditions(code):
    """Assignments inside the parentheses of if (...) and while (...)."""
    for m in CONDITION.finditer(code):
        depth, close = 1, m.end()
        while close < len(code) and depth:
            depth += {"(": 1, ")": -1}.get(code[close], 0)
            close += 1
        for op in EQUALS_OPERATOR.finditer(code, m.end(), close):
            if is_assignment(code, m.end(), op):
                yield (line_of(code, op.start()), "assign",
                       f"assignment '{op.group()}' in {m.group(1)} condition")


def check_doc_refs(text):
    for number, line in enumerate(text.split("\n"), 1):
        m = MISSING_DOCS.search(line)
        if m:
            yield (number, "docs",
                   f"refers to '{m.group()}', which is not in the repository")


def check_file(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    code, comments = split_source(text)
    yield from check_header(path, text)
    yield from check_comments(comments)
    yield from check_conditions(code)
    yield from check_doc_refs(text)


def check_format(root, files):
    """Runs clang-format --dry-run: the (file, line)s it would change."""
    binary = shutil.which("clang-format") or shutil.which("clang-format-14")
    if not binary:
        fail("clang-format not found (neither clang-format nor "
             "clang-format-14 is on PATH; install the Debian package "
             "clang-format)")
    if not (root / ".clang-format").is_file():
        fail(f"{root / '.clang-format'} is missing")
    names = [str(p.relative_to(root)) for p in files]
    proc = subprocess.run(
        [binary, "--dry-run", "--Werror", "--style=file"] + names,
        cwd=root, capture_output=True, text=True)
    found = sorted({(m.group(1), int(m.group(2)))
                    for m in map(CLANG_VIOLATION.match,
                                 proc.stderr.splitlines()) if m})
    if proc.returncode and not found:
        fail(f"{binary} failed:\n{proc.stderr}")
    return found


def main():
    default_root = Path(__file__).resolve().parent.parent.parent
    root = Path(sys.argv[1] if len(sys.argv) > 1 else default_root).resolve()
    files = source_files(root)
    if not files:
        fail(f"no *.c or *.h files under {root}/src or {root}/tests/unit")
    problems = [(name, line, "format", "not clang-formatted")
                for name, line in check_format(root, files)]
    for path in files:
        name = str(path.relative_to(root))
        problems += [(name, line, rule, message)
                     for line, rule, message in check_file(path)]
    for name, line, _, message in sorted(problems):
        print(f"{name}:{line}: {message}")
    if not problems:
        print(f"style: {len(files)} files OK")
        return 0
    counts = Counter(rule for _, _, rule, _ in problems)
    print(f"style: {len(problems)} problems in {len(files)} files ("
          + ", ".join(f"{n} {rule}" for rule, n in sorted(counts.items()))
          + ")")
    if counts["format"]:
        print(f"style: to format: {FORMAT_CMD}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
