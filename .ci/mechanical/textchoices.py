"""Bare status strings -> their TextChoices (the patterns the review found), adding the import at the top.
Usage: python3 .ci/mechanical/textchoices.py  (from the repository's root); then `ruff check --fix --select I` sorts.
Not for vault/tests/test_no_plaintext_on_disk.py, whose string is a script: `git checkout` it afterwards."""
import ast, pathlib, re

RULES = [
    # (regex, replacement, import line)
    (r'blob__state="stored"', "blob__state=BlobState.STORED", "from verwerker.vault.models import BlobState"),
    (r'(do_store_blob\([^)\n]*?)purpose="(upload|certificate|reject_report|consent_document|house_record|other)"',
     lambda m: f'{m.group(1)}purpose=BlobPurpose.{m.group(2).upper()}', "from verwerker.vault.models import BlobPurpose"),
    (r'(open_blob_writer\([^)\n]*?)purpose="(upload)"', lambda m: f'{m.group(1)}purpose=BlobPurpose.{m.group(2).upper()}',
     "from verwerker.vault.models import BlobPurpose"),
    (r'(do_put_in_outbox\([^)]*?)purpose="(certificate|reject_report)"', lambda m: f'{m.group(1)}purpose=BlobPurpose.{m.group(2).upper()}',
     "from verwerker.vault.models import BlobPurpose"),
    (r'(do_register_upload\([^)\n]*?)channel="web"', lambda m: f'{m.group(1)}channel=UploadChannel.WEB',
     "from verwerker.intake.models import UploadChannel"),
    (r'reason="abandoned_write"', "reason=DeletionReason.ABANDONED_WRITE", "from verwerker.vault.models import DeletionReason"),
]


def add_import(text: str, line: str) -> str:
    module, name = re.match(r"from (\S+) import (\w+)", line).groups()
    existing = re.search(rf"^from {re.escape(module)} import ([^\n(]+)$", text, re.M)
    if existing:
        names = {n.strip() for n in existing.group(1).split(",")}
        if name in names:
            return text
        return text[: existing.start(1)] + ", ".join(sorted(names | {name})) + text[existing.end(1):]
    if re.search(rf"^from {re.escape(module)} import \($", text, re.M):
        return re.sub(rf"^(from {re.escape(module)} import \(\n)", rf"\1    {name},\n", text, count=1, flags=re.M)
    tree = ast.parse(text)
    last = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    lines = text.split("\n")
    at = last[-1].end_lineno if last else 0
    return "\n".join(lines[:at] + [line] + lines[at:])


for path in sorted(pathlib.Path("src").rglob("*.py")):
    if "migrations" in path.parts:
        continue
    text = path.read_text()
    new = text
    for pattern, replacement, imp in RULES:
        changed = re.sub(pattern, replacement, new)
        if changed != new:
            new = add_import(changed, imp)
    if new != text:
        path.write_text(new)
        print(path)
