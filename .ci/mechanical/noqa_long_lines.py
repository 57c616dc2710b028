"""Mark the lines ruff's E501 still flags after format_long_lines.py (long strings, URLs and comments that
no formatter breaks) with `# noqa: E501`, where a comment can go; print the others (inside a multi-line
string) for a person. Usage: python3 .ci/mechanical/noqa_long_lines.py"""
import collections, io, subprocess, tokenize
from pathlib import Path

out = subprocess.run([".venv/bin/ruff", "check", "--no-cache", "--select", "E501", "--output-format", "concise",
                      "src", "tests", "bench", "conftest.py"], capture_output=True, text=True).stdout
flagged = collections.defaultdict(set)
for row in out.splitlines():
    parts = row.split(":")
    if len(parts) > 3 and parts[3].strip().startswith("E501"):
        flagged[parts[0]].add(int(parts[1]))
for path, numbers in sorted(flagged.items()):
    src = Path(path).read_text()
    ends = set()  # lines where a token ends and a comment may follow (a NEWLINE/NL token or a comment)
    string_end = {}  # line inside a multi-line string -> the line the string ends on (ruff reads noqa there)
    for tok in tokenize.generate_tokens(io.StringIO(src).readline):
        if tok.type in (tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT):
            ends.add(tok.start[0])
        if tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
            string_end.update({line: tok.end[0] for line in range(tok.start[0], tok.end[0])})
    lines = src.split("\n")
    for n in sorted({string_end.get(n, n) for n in numbers}):
        if n in ends and "noqa" not in lines[n - 1]:
            lines[n - 1] += "  # noqa: E501"
        elif "noqa" not in lines[n - 1]:
            print(f"{path}:{n}: no place for a comment, wrap by hand")
    Path(path).write_text("\n".join(lines))
