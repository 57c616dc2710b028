"""Letters rendered with Typst from in-memory data, in chunks, in worker processes.

Threat model: the records are personal data. They reach Typst only as a JSON string in
``sys.inputs`` (never as a file, never spliced into markup), travel to worker processes through a
pipe, and come back as PDF bytes in memory; nothing here writes to disk. The main source handed to
Typst holds no record data, only the import of the template and the library.

Why chunks and processes: the typst package keeps the caches of about its last ten compiles and
offers no way to drop them (measured: a process compiling 500-letter documents settles near 1.2 GB).
Each worker compiles bounded chunks and is replaced after a few; the parent assembles chunks into
parts. Workers are forked from a fork server, so none is a fork of a parent holding polars' threads.
"""

from __future__ import annotations

import json
import multiprocessing
import re
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import typst

PACKAGE_PATH = Path(__file__).resolve().parent / "typst" / "packages"
LIBRARY_IMPORT = '"@local/verwerker:0.1.0"'
EXAMPLES = Path(__file__).resolve().parent / "typst" / "examples"
DEFAULT_CHUNK = 400
# A worker is replaced after this many chunks, which bounds the memory the typst caches hold.
CHUNKS_PER_WORKER = 3
# Fixed creation time: the same data and template give the same PDF.
TIMESTAMP = 946684800


class TemplateError(ValueError):
    """The template does not compile; the message names the template line and holds no record data."""


@dataclass(frozen=True)
class Template:
    """A letter template: a .typ file that defines ``letter(r)``; its folder is Typst's root."""

    path: Path

    @property
    def root(self) -> Path:
        return self.path.resolve().parent

    def main_source(self) -> bytes:
        name = self.path.name
        if not re.fullmatch(r"[\w.\- ]+\.typ", name):
            raise TemplateError(f"{name}: a template file name may hold letters, digits, '.', '-' and '_' only")
        return (
            f"#import {LIBRARY_IMPORT} as vw\n#import \"{name}\" as tpl\n#vw.run(dictionary(tpl))\n"
        ).encode()


def _describe(exc: typst.TypstError, template: Template) -> str:
    """One line naming the template file and line, with quoted values blanked: they may be record data."""
    message = re.sub(r'"[^"]*"', '"…"', exc.message.splitlines()[0] if exc.message else "error")
    # A panic's message is whatever the template built, record values included, and comes unquoted.
    message = re.sub(r"^(panicked with)\b.*", r"\1: …", message)
    message = message.replace('key "…"', "key")
    found = re.search(r"┌─ (?P<file>[^:\n]+):(?P<line>\d+):(?P<col>\d+)", exc.diagnostic or "")
    if found and not found.group("file").endswith("__typst_py_bytes__.typ"):
        return f"{Path(found.group('file')).name} line {found.group('line')}: {message}"
    return f"{template.path.name}: {message}"


# One warm compiler per template in each process: its fonts are found and loaded once, not per chunk
# (about 15 ms a chunk). Keyed by the template file's path, size and modification time, so a changed
# template gets a new one. The records never stay in it: they come as sys.inputs of each compile.
_COMPILERS: dict[tuple[str, int, int], typst.Compiler] = {}


def _compiler(template: Template) -> typst.Compiler:
    try:
        stat = template.path.stat()
        key = (str(template.path), stat.st_size, stat.st_mtime_ns)
    except OSError:  # let Typst name the missing file
        key = (str(template.path), -1, -1)
    compiler = _COMPILERS.get(key)
    if compiler is None:
        if len(_COMPILERS) >= 8:
            _COMPILERS.clear()
        compiler = _COMPILERS[key] = typst.Compiler(root=str(template.root), package_path=str(PACKAGE_PATH))
    return compiler


def compile_chunk(template_path: str, records_json: str, proof: bool = False, *, deflate: bool = False) -> bytes:
    """Compile one chunk of records (a JSON array) with the template; returns PDF bytes.

    The page content streams come uncompressed (``deflate=False``): pdfvt.assemble_part compresses them
    when it builds the part. Typst deflates every stream with a fresh full-size zlib state (three per
    page, whose set-up alone was 10% of a compile's instructions); its ``pretty`` output skips that and
    differs from the deflated output only in the content streams' whitespace (the operators are the
    same) and in hex-encoded font and ICC streams, which qpdf re-encodes when the part is saved.
    ``deflate=True`` is Typst's own compressed output, the reference the equivalence test compares with.

    Raises TemplateError naming the template line when Typst reports an error.
    """
    template = Template(Path(template_path))
    compiler = _compiler(template)
    try:
        # The main source is given on every compile: a compiler made from bytes keeps them for one compile only.
        return compiler.compile(  # type: ignore[return-value]
            input=template.main_source(),
            sys_inputs={"records": records_json, "proof": "1" if proof else ""},
            pdf_tags=False,
            timestamp=TIMESTAMP,
            pretty=not deflate,
        )
    except typst.TypstError as exc:
        raise TemplateError(_describe(exc, template)) from None


def check_template(template: Template) -> None:
    """Compile the template with no records: syntax, imports and ``letter`` are checked before the run.

    Raises TemplateError naming the template line.
    """
    if not template.path.is_file():
        raise TemplateError(f"{template.path}: template not found")
    compile_chunk(str(template.path), "[]")


def render_chunks(
    template: Template,
    chunks: Iterable[list[dict]],
    *,
    workers: int = 2,
    proof: bool = False,
    chunks_per_worker: int = CHUNKS_PER_WORKER,
    isolated: bool = False,
) -> Iterator[bytes]:
    """Yield one PDF per chunk of record dicts, in order.

    With ``workers`` > 1 the chunks compile in that many processes (forked from a fork server,
    replaced after a few chunks); at most two chunks per worker are in flight, so memory stays bounded however many
    records there are. Raises TemplateError on the first chunk that fails.

    ``isolated`` with one worker compiles in one such process, one chunk at a time (the next chunk is
    taken from ``chunks`` only when the previous one is back, so a caller knows which chunk failed):
    a long-lived process (``verwerker worker``) then does not keep Typst's caches, which grow to about
    a gigabyte over a part of 5,000 letters.
    """
    path = str(template.path.resolve())
    if workers <= 1 and not isolated:
        for chunk in chunks:
            yield compile_chunk(path, json.dumps(chunk, ensure_ascii=False), proof)
        return
    # A fork server forks each worker from a clean process that has imported this module already:
    # cheap to replace, and no fork of a parent holding polars' threads.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    window = 1 if isolated and workers <= 1 else workers * 2
    # Workers are replaced by replacing the pool: after ``workers × chunks_per_worker`` chunks the pool's
    # chunks are collected, it is shut down (its processes, with Typst's caches, exit) and a fresh one
    # starts. Not ``max_tasks_per_child``: CPython 3.11's executor can hang for good when it replaces a
    # worker that reached it while chunks are queued (reproduced: 2 workers, 3 chunks each, 20 queued).
    per_pool = max(1, workers) * max(1, chunks_per_worker)
    pool: ProcessPoolExecutor | None = None
    pending: list = []
    given = 0
    try:
        for chunk in chunks:
            if pool is None or given == per_pool:
                while pending:
                    yield pending.pop(0).result()
                if pool is not None:
                    pool.shutdown(wait=True)
                pool, given = ProcessPoolExecutor(max_workers=max(1, workers), mp_context=context), 0
            pending.append(pool.submit(compile_chunk, path, json.dumps(chunk, ensure_ascii=False), proof))
            given += 1
            while len(pending) >= window:
                yield pending.pop(0).result()
        while pending:
            yield pending.pop(0).result()
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
