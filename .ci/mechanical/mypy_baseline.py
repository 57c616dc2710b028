"""Mark every error mypy reports with `# type: ignore[code]` on its line (a baseline: new code is checked).
Usage: .venv/bin/mypy | python3 .ci/mechanical/mypy_baseline.py"""
import collections, io, re, sys, tokenize
from pathlib import Path

errors = collections.defaultdict(lambda: collections.defaultdict(set))
for line in sys.stdin:
    m = re.match(r"^(.+?\.py):(\d+): error: .*\[([a-z-]+)\]\s*$", line)
    if m:
        errors[m.group(1)][int(m.group(2))].add(m.group(3))
for path, lines in errors.items():
    p = Path(path)
    src = p.read_text()
    comments = {}
    for tok in tokenize.generate_tokens(io.StringIO(src).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.start[1]
    text = src.split("\n")
    for n, codes in lines.items():
        line = text[n - 1]
        mark = f"# type: ignore[{', '.join(sorted(codes))}]"
        if n in comments:
            col = comments[n]
            existing = line[col:]
            if existing.startswith("# type: ignore"):
                continue
            text[n - 1] = line[:col].rstrip() + "  " + mark + "  " + existing
        else:
            text[n - 1] = line.rstrip() + "  " + mark
    p.write_text("\n".join(text))
    print(p, len(lines))
