"""Read a client's table (CSV/TSV, XLSX, ODS, or a ZIP holding one of them) from bytes or a binary stream.

Threat model: the file comes from outside and may be hostile: a ZIP bomb posing as XLSX, nested or
many-member archives, member names with path tricks, binary garbage, a file that is not what its name
says, enormous single fields. It may also hold personal data, so:

Invariants:
- Everything happens in memory. Nothing is written to disk, no temporary file is made, and nothing is
  extracted: ZIP members are only ever read into bytes.
- Sizes are capped before work is done: the input (MAX_INPUT_BYTES) and everything unpacked from an
  archive (MAX_UNPACKED_BYTES), checked against the declared sizes first and then while inflating, so an
  archive that lies about its sizes is caught too.
- Every failure is an UnreadableFile whose message is one line naming the file and the reason, and
  never quotes the file's content.
- The shape is capped before anything is allocated per column (Limits): the header line, the number of
  columns and the length of a field. A 200 MB line is refused, not read as one 200 MB column name.
- No value is ever a name: a first line that holds data (a postcode, a house number, an e-mail address,
  a date, initials...) is read as a record, and the columns are named by position (`kolom 1`, ...).
  Otherwise columns keep the names the client wrote, cut at MAX_NAME_CHARS; every value is a string,
  null where the cell is empty.
"""

from __future__ import annotations

import csv
import io
import re
import typing
import zipfile
from dataclasses import dataclass

import polars as pl

MiB = 1024 * 1024
MAX_INPUT_BYTES = 1024 * MiB
MAX_UNPACKED_BYTES = 1024 * MiB
# Office files compress XML about 5-20 times; a member that inflates far beyond that is a bomb.
MAX_COMPRESSION_RATIO = 200
MAX_ARCHIVE_MEMBERS = 10_000
# The header row of a spreadsheet is looked for among its first rows (titles above it are skipped).
HEADER_SEARCH_ROWS = 30
SNIFF_BYTES = 64 * 1024
KiB = 1024
# Shape limits (settings VERWERKER_MAX_COLUMNS, VERWERKER_MAX_HEADER_KIB, VERWERKER_MAX_FIELD_KIB).
DEFAULT_MAX_COLUMNS = 500
DEFAULT_MAX_HEADER_BYTES = 64 * KiB
DEFAULT_MAX_FIELD_BYTES = MiB
MAX_NAME_CHARS = 100
POSITIONAL = "kolom {}"

DELIMITERS = (";", ",", "\t", "|")
_FORMATS_BY_SUFFIX = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".ods": "ods",
}


def gettext_noop(message: str) -> str:
    """Marks a text for the catalogue (makemessages knows the name); this module stays free of Django."""
    return message


# Every reason an UnreadableFile gives, with its parameters as %(name)s: the reason is stored in English
# (DataFile.reason, the API's text) and a screen shows it in the reader's language by matching it to one
# of these (datafiles/texts.py). A new or changed reason goes here too (tests/test_untranslated.py checks).
UNREADABLE_REASONS = (
    gettext_noop("larger than %(size)s MiB; split it into smaller files"),
    gettext_noop("the file is empty"),
    gettext_noop("an old Excel (.xls) or password-protected workbook; save it as .xlsx or CSV without a password"),
    gettext_noop("a PDF document, not a table"),
    gettext_noop("a damaged ZIP/XLSX/ODS file (%(error)s)"),
    gettext_noop("an archive with %(members)s members; refused"),
    gettext_noop("a password-protected archive; send it without a password"),
    gettext_noop("unpacks to %(size)s MiB, more than %(limit)s MiB; refused as a ZIP bomb"),
    gettext_noop("compressed %(ratio)s:1; refused as a ZIP bomb"),
    gettext_noop("a ZIP inside a ZIP; refused (send the inner file itself)"),
    gettext_noop("a ZIP must hold exactly one table file, this one holds %(members)s"),
    gettext_noop("an archive member has an unsafe path (absolute or '..'); refused"),
    gettext_noop("unpacks to more than the size limit; refused as a ZIP bomb"),
    gettext_noop("a damaged archive member (%(error)s)"),
    gettext_noop("a damaged or truncated spreadsheet (%(error)s)"),
    gettext_noop("not a readable %(format)s workbook (%(error)s)"),
    gettext_noop("the workbook has no sheets"),
    gettext_noop("has no sheet number %(index)s (it has %(sheets)s)"),
    gettext_noop("has no sheet named %(sheet)s (sheets: %(sheets)s)"),
    gettext_noop("sheet %(sheet)s is empty"),
    gettext_noop("its header row is longer than %(size)s; refused"),
    gettext_noop("sheet %(sheet)s cannot be read (%(error)s)"),
    gettext_noop("starts with a UTF-8 byte-order mark but is not valid UTF-8"),
    gettext_noop("its header line is longer than %(size)s; refused"),
    gettext_noop("has %(columns)s columns, more than %(limit)s (VERWERKER_MAX_COLUMNS); refused"),
    gettext_noop("a field is longer than %(size)s; refused"),
    gettext_noop("says it is UTF-16 (byte-order mark) but contains invalid UTF-16"),
    gettext_noop("binary data, not a CSV/TSV text or a spreadsheet"),
    gettext_noop("not a readable CSV/TSV (malformed quoting or structure)"),
    gettext_noop("not a readable CSV/TSV (%(error)s)"),
    # datafiles/actions.py's, when the vault or the profile fails
    gettext_noop("cannot be read from the vault (%(error)s)"),
    gettext_noop("too large to profile in the memory available"),
    gettext_noop("cannot be profiled (%(error)s)"),
)


class UnreadableFile(ValueError):
    """The file cannot be read as a table; ``str(exc)`` is one line naming the file and the reason (one of
    UNREADABLE_REASONS)."""

    def __init__(self, name: str, reason: str):
        self.name = name
        self.reason = reason
        super().__init__(f"{_one_line(name)}: {_one_line(reason)}")


@dataclass(frozen=True)
class Limits:
    """How large a table's shape may be; a file over a limit is refused with the limit named."""

    max_columns: int = DEFAULT_MAX_COLUMNS
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES
    max_field_bytes: int = DEFAULT_MAX_FIELD_BYTES

    @classmethod
    def current(cls) -> Limits:
        """The configured limits: Django's settings when they are loaded, else the defaults."""
        try:
            from django.conf import settings

            if settings.configured:
                return cls(
                    max_columns=getattr(settings, "MAX_COLUMNS", DEFAULT_MAX_COLUMNS),
                    max_header_bytes=getattr(settings, "MAX_HEADER_KIB", DEFAULT_MAX_HEADER_BYTES // KiB) * KiB,
                    max_field_bytes=getattr(settings, "MAX_FIELD_KIB", DEFAULT_MAX_FIELD_BYTES // KiB) * KiB,
                )
        except ImportError:
            pass
        return cls()


@dataclass
class Table:
    frame: pl.DataFrame
    format: str  # "csv" | "tsv" | "xlsx" | "ods" | "zip:csv" | "zip:xlsx" ...
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    # Why the columns are named by position (the first line holds data: "postcode", "initials", ...);
    # None when the file's own header row names them.
    header_holds: str | None = None


def read_table(
    data: bytes | typing.BinaryIO, *, name: str, sheet: str | int | None = None, limits: Limits | None = None
) -> Table:
    """Read one table from ``data``; raises UnreadableFile for anything that is not a readable table,
    or whose shape is over ``limits`` (default: the configured ones)."""
    raw = _read_capped(data, name)
    table = _read_bytes(raw, name=name, sheet=sheet, inside_zip=False, limits=limits or Limits.current())
    return table


# -------------------------------------------------------------------------------------------- dispatch


def _read_capped(data: bytes | typing.BinaryIO, name: str) -> bytes:
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
    else:
        chunks, total = [], 0
        if (remaining := _remaining_size(data)) is not None:
            # A file or an in-memory stream says how much is left: refuse a too large one unread, and
            # read it in one call (one buffer of the right size, no second copy to join chunks).
            if remaining > MAX_INPUT_BYTES:
                raise UnreadableFile(name, f"larger than {MAX_INPUT_BYTES // MiB} MiB; split it into smaller files")
            chunks.append(data.read(remaining))
            total = len(chunks[0])
        # In chunks: read(n) with a huge n would allocate n bytes up front, whatever the file's size.
        while total <= MAX_INPUT_BYTES and (chunk := data.read(8 * MiB)):
            chunks.append(chunk)
            total += len(chunk)
        raw = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        del chunks
    if len(raw) > MAX_INPUT_BYTES:
        raise UnreadableFile(name, f"larger than {MAX_INPUT_BYTES // MiB} MiB; split it into smaller files")
    return raw


def _remaining_size(data: typing.BinaryIO) -> int | None:
    """Bytes left in a seekable stream, or None when the stream cannot tell."""
    try:
        if not data.seekable():
            return None
        here = data.tell()
        end = data.seek(0, io.SEEK_END)
        data.seek(here)
    except (AttributeError, OSError, ValueError):
        return None
    return max(end - here, 0)


def _read_bytes(raw: bytes, *, name: str, sheet: str | int | None, inside_zip: bool, limits: Limits) -> Table:
    if not raw or raw.isspace():  # bytes.strip() would copy the whole file to find out
        raise UnreadableFile(name, "the file is empty")
    if raw[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _read_archive(raw, name=name, sheet=sheet, inside_zip=inside_zip, limits=limits)
    if raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnreadableFile(
            name, "an old Excel (.xls) or password-protected workbook; save it as .xlsx or CSV without a password"
        )
    if raw[:5] == b"%PDF-":
        raise UnreadableFile(name, "a PDF document, not a table")
    return _read_text(raw, name, limits)


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot >= 0 else ""


# ---------------------------------------------------------------------------------------------- archives


def _read_archive(raw: bytes, *, name: str, sheet: str | int | None, inside_zip: bool, limits: Limits) -> Table:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise UnreadableFile(name, f"a damaged ZIP/XLSX/ODS file ({type(exc).__name__})") from None
    if len(infos) > MAX_ARCHIVE_MEMBERS:
        raise UnreadableFile(name, f"an archive with {len(infos)} members; refused")
    for info in infos:
        _check_member_name(info.filename, name)
        if info.flag_bits & 0x1:
            raise UnreadableFile(name, "a password-protected archive; send it without a password")
    declared = sum(info.file_size for info in infos)
    if declared > MAX_UNPACKED_BYTES:
        raise UnreadableFile(
            name, f"unpacks to {declared // MiB} MiB, more than {MAX_UNPACKED_BYTES // MiB} MiB; refused as a ZIP bomb"
        )
    for info in infos:
        if info.file_size > MiB and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise UnreadableFile(
                name, f"compressed {info.file_size // max(info.compress_size, 1)}:1; refused as a ZIP bomb"
            )
    names = {info.filename for info in infos}

    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        _inflate_all(archive, infos, name)
        return _read_spreadsheet(raw, name=name, sheet=sheet, fmt="xlsx", limits=limits)
    if "mimetype" in names and _member(archive, "mimetype", name).startswith(
        b"application/vnd.oasis.opendocument.spreadsheet"
    ):
        _inflate_all(archive, infos, name)
        return _read_spreadsheet(raw, name=name, sheet=sheet, fmt="ods", limits=limits)
    if inside_zip:
        raise UnreadableFile(name, "a ZIP inside a ZIP; refused (send the inner file itself)")

    members = [i for i in infos if not i.is_dir() and not i.filename.startswith("__MACOSX/")]
    if len(members) != 1:
        raise UnreadableFile(name, f"a ZIP must hold exactly one table file, this one holds {len(members)}")
    inner_name = members[0].filename
    inner = _member(archive, inner_name, name)
    table = _read_bytes(inner, name=f"{name}/{inner_name}", sheet=sheet, inside_zip=True, limits=limits)
    table.format = f"zip:{table.format}"
    return table


def _check_member_name(member: str, name: str) -> None:
    parts = member.replace("\\", "/").split("/")
    if member.startswith(("/", "\\")) or ".." in parts or (len(member) > 1 and member[1] == ":") or "\x00" in member:
        raise UnreadableFile(name, "an archive member has an unsafe path (absolute or '..'); refused")


def _member(archive: zipfile.ZipFile, member: str, name: str) -> bytes:
    """One member's bytes, inflated with the size cap enforced as it goes."""
    out = bytearray()
    try:
        with archive.open(member) as handle:
            while chunk := handle.read(MiB):
                out += chunk
                if len(out) > MAX_UNPACKED_BYTES:
                    raise UnreadableFile(name, "unpacks to more than the size limit; refused as a ZIP bomb")
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise UnreadableFile(name, f"a damaged archive member ({type(exc).__name__})") from None
    return bytes(out)


def _inflate_all(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], name: str) -> None:
    """Inflate every member once, counting, so sizes that lie in the headers are caught before the
    spreadsheet reader trusts them (zipfile stops at the declared size and checks the CRC)."""
    total = 0
    for info in infos:
        if info.is_dir():
            continue
        try:
            with archive.open(info) as handle:
                while chunk := handle.read(4 * MiB):
                    total += len(chunk)
                    if total > MAX_UNPACKED_BYTES:
                        raise UnreadableFile(name, "unpacks to more than the size limit; refused as a ZIP bomb")
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
            raise UnreadableFile(name, f"a damaged or truncated spreadsheet ({type(exc).__name__})") from None


# ------------------------------------------------------------------------------------------ spreadsheets


def _read_spreadsheet(raw: bytes, *, name: str, sheet: str | int | None, fmt: str, limits: Limits) -> Table:
    import fastexcel  # deferred: a heavy import

    try:
        reader = fastexcel.read_excel(raw)
        names = list(reader.sheet_names)
    except Exception as exc:  # calamine raises its own hierarchy plus plain errors for broken XML
        raise UnreadableFile(name, f"not a readable {fmt.upper()} workbook ({type(exc).__name__})") from None
    if not names:
        raise UnreadableFile(name, "the workbook has no sheets")
    if sheet is None:
        chosen = names[0]
    elif isinstance(sheet, int) or (isinstance(sheet, str) and sheet.isdigit() and sheet not in names):
        index = int(sheet)
        if not 0 <= index < len(names):
            raise UnreadableFile(name, f"has no sheet number {index} (it has {len(names)})")
        chosen = names[index]
    elif sheet in names:
        chosen = sheet
    else:
        raise UnreadableFile(name, f"has no sheet named {sheet!r} (sheets: {', '.join(names)})")
    holds = None
    try:
        # One parse of the sheet: calamine reads the whole sheet on every load_sheet, even for n_rows, so
        # the header row is found in the first rows of the same load the data comes from.
        loaded = reader.load_sheet(chosen, header_row=None, dtypes="string")
        _check_width(loaded.width, name, limits)
        whole = loaded.to_polars()
        del loaded
        top = whole.head(HEADER_SEARCH_ROWS)
        header = _header_row(top)
        if header is None:
            raise UnreadableFile(name, f"sheet {chosen!r} is empty")
        cells = ["" if v is None else str(v) for v in top.row(header)]
        if sum(len(c.encode("utf-8")) + 1 for c in cells) > limits.max_header_bytes:
            raise UnreadableFile(name, f"its header row is longer than {_size(limits.max_header_bytes)}; refused")
        holds = header_holds_data(cells)
        if holds:
            frame = _blank_as_null(whole.slice(header))
        elif (columns := _column_names(top.row(header))) is not None:
            frame = _blank_as_null(whole.slice(header + 1))
            frame.columns = columns
        else:
            # A header cell that may have been a number, a date or a truth value: fastexcel names such
            # columns otherwise than it writes the cell as text, so it names them itself (a second parse).
            frame = reader.load_sheet(chosen, header_row=header, dtypes="string", whitespace_as_null=True).to_polars()
        del whole
    except UnreadableFile:
        raise
    except Exception as exc:
        raise UnreadableFile(name, f"sheet {chosen!r} cannot be read ({type(exc).__name__})") from None
    frame = frame.select(pl.all().cast(pl.String))
    frame = _bounded(frame, name, limits, positional=bool(holds))
    return Table(frame=frame, format=fmt, encoding=None, delimiter=None, sheet=chosen, header_holds=holds)


# What fastexcel writes for a cell that is not text (a number, a date or time, true/false): a header cell
# that reads like this may have been one.
_MAYBE_NOT_TEXT = re.compile(r"^(?:[-+.0-9]|-?P[0-9T]|true$|false$|inf$|-inf$|NaN$)")


def _column_names(cells: tuple) -> list[str] | None:
    """The names fastexcel gives the columns when ``cells`` (its text of the header row) is the header:
    the text without NUL characters, ``__UNNAMED__<i>`` for an empty cell, ``_1``, ``_2`` added to a
    name taken before. None when a cell may not have been text: fastexcel names such a cell by another
    rule than the one it writes it by (a float to all its digits, a date or true/false not at all)."""
    names: list[str] = []
    taken: set[str] = set()
    for i, cell in enumerate(cells):
        if cell is None:
            name = f"__UNNAMED__{i}"
        elif _MAYBE_NOT_TEXT.match(cell):
            return None
        else:
            name = cell.replace("\x00", "")
        alias, n = name, 0
        while alias in taken:
            n += 1
            alias = f"{name}_{n}"
        taken.add(alias)
        names.append(alias)
    return names


_BLANK = r"^\s*$"


def _blank_as_null(frame: pl.DataFrame) -> pl.DataFrame:
    """Cells that hold only whitespace (Unicode White_Space, as Rust's trim and the regex's \\s take it)
    as null, as fastexcel's whitespace_as_null does. Only values that are empty or start below "!" or at
    U+0085 and above can be blank, so only those go to the regex."""
    columns = []
    for column in frame.get_columns():
        suspect = (~column.is_between("!", "\u0085", closed="left")).fill_null(False)
        if suspect.any():
            index = pl.int_range(0, len(column), dtype=pl.get_index_type(), eager=True).filter(suspect)
            blank = column.gather(index).str.contains(_BLANK)
            if blank.any():
                column = column.scatter(index.filter(blank), None)
        columns.append(column)
    return pl.DataFrame(columns) if columns else frame


def _header_row(top: pl.DataFrame) -> int | None:
    """The first row filled at least 60% as wide as the widest of the first rows: skips title rows."""
    if top.height == 0:
        return None
    filled = top.select(pl.sum_horizontal(pl.all().is_not_null().cast(pl.Int32))).to_series().to_list()
    widest = max(filled)
    if widest == 0:
        return None
    need = max(1, -(-widest * 6 // 10))
    return next(i for i, n in enumerate(filled) if n >= need)


# ------------------------------------------------------------------------------------------------- text


def _read_text(raw: bytes, name: str, limits: Limits) -> Table:
    encoding, body = _decode(raw, name)
    header = _header_line(body, name, limits)
    fmt = "tsv" if _FORMATS_BY_SUFFIX.get(_suffix(name)) == "tsv" else "csv"
    delimiter = _sniff_delimiter(
        body[:SNIFF_BYTES].decode("utf-8", errors="replace"), default="\t" if fmt == "tsv" else ","
    )
    if delimiter == "\t":
        fmt = "tsv"
    cells = _header_cells(header, delimiter)
    _check_width(len(cells), name, limits)
    holds = header_holds_data(cells)
    frame = _parse_csv(body, delimiter, name, has_header=not holds)
    if frame is None and encoding == "utf-8":
        # Not UTF-8 after all (polars validates as it parses): Dutch offices' other encoding is Windows-1252.
        encoding, body = _decode_legacy(raw)
        frame = _parse_csv(body, delimiter, name, has_header=not holds)
    if frame is None:
        raise UnreadableFile(name, "starts with a UTF-8 byte-order mark but is not valid UTF-8")
    frame = _bounded(frame, name, limits, positional=bool(holds))
    return Table(frame=frame, format=fmt, encoding=encoding, delimiter=delimiter, sheet=None, header_holds=holds)


# ------------------------------------------------------------------------------------------ shape limits


def _size(n: int) -> str:
    return f"{n // MiB} MiB" if n % MiB == 0 else f"{n // KiB} KiB"


def _header_line(body: bytes, name: str, limits: Limits) -> bytes:
    """The first line, found without looking further than the limit (a file of one 200 MB line is
    refused after reading 64 KiB of it, before a parser allocates anything)."""
    end = body.find(b"\n", 0, limits.max_header_bytes + 1)
    if end < 0:
        if len(body) > limits.max_header_bytes:
            raise UnreadableFile(name, f"its header line is longer than {_size(limits.max_header_bytes)}; refused")
        end = len(body)
    return body[:end]


def _header_cells(line: bytes, delimiter: str) -> list[str]:
    text = line.decode("utf-8", errors="replace").rstrip("\r")
    try:
        return next(csv.reader([text], delimiter=delimiter, quotechar='"'), [])
    except csv.Error:
        return text.split(delimiter)


def _check_width(columns: int, name: str, limits: Limits) -> None:
    if columns > limits.max_columns:
        raise UnreadableFile(
            name, f"has {columns} columns, more than {limits.max_columns} (VERWERKER_MAX_COLUMNS); refused"
        )


def _bounded(frame: pl.DataFrame, name: str, limits: Limits, *, positional: bool) -> pl.DataFrame:
    """The frame with its names settled (by position, or as written cut at MAX_NAME_CHARS, unique),
    refused when it is wider than allowed or a field is longer than allowed."""
    _check_width(frame.width, name, limits)
    if frame.width and frame.height:
        # A string's length is kept beside it: this reads no text.
        longest = frame.select(pl.all().str.len_bytes().max()).row(0)
        if max((n or 0) for n in longest) > limits.max_field_bytes:
            raise UnreadableFile(name, f"a field is longer than {_size(limits.max_field_bytes)}; refused")
    if positional:
        names = [POSITIONAL.format(i) for i in range(1, frame.width + 1)]
    else:
        names = _cap_names(frame.columns)
    if names != frame.columns:
        frame = frame.rename(dict(zip(frame.columns, names, strict=False)))
    return frame


def _cap_names(columns: list[str]) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for i, column in enumerate(columns, start=1):
        column = " ".join(column.split())[:MAX_NAME_CHARS] or POSITIONAL.format(i)
        candidate, n = column, 2
        while candidate in seen:
            candidate, n = f"{column[:MAX_NAME_CHARS - 6]} ({n})", n + 1
        seen.add(candidate)
        names.append(candidate)
    return names


# A header cell never looks like these; a record's cell often does. Names are told by their shape:
# initials (`J.P.`) and salutations (`Dhr.`); a plain surname cannot be told from a column name.
_HOUSE_NUMBER_CELL = re.compile(r"^\d{1,5}\s*[-/]?\s*[A-Za-z]{0,2}\d{0,3}$")
_INITIALS_CELL = re.compile(r"^(?:[A-Z]\.\s?){1,6}$|^(?:[A-Z]\.)*(?:Th|Chr|Ph|IJ)\.(?:[A-Z]\.)*$")
_SALUTATION_CELLS = {"dhr", "dhr.", "mevr", "mevr.", "mw", "mw.", "hr.", "de heer", "mevrouw", "fam.", "familie",
                     "de heer/mevrouw", "heer", "mr.", "mrs.", "ms."}


def header_holds_data(cells: list[str]) -> str | None:
    """What in the first line is data rather than a column name ("postcode", "house number", ...), or None
    when it reads as a header. Pure; no cell is ever quoted."""
    from verwerker.datafiles import validators  # local: same layer or upward, a cycle at the top

    cells = [c.strip() for c in cells if c and c.strip()]
    if not cells:
        return None
    values = pl.Series(cells, dtype=pl.String)
    if validators.valid_postcodes(values).fill_null(False).any():
        return "postcode"
    if any(_HOUSE_NUMBER_CELL.match(c) for c in cells):
        return "house number"
    if any(_INITIALS_CELL.match(c) for c in cells):
        return "initials"
    if any(c.lower() in _SALUTATION_CELLS for c in cells):
        return "salutation"
    for what, check in (("e-mail address", validators.valid_emails),
                        ("IBAN", validators.valid_ibans), ("phone number", validators.phone_shapes)):
        if check(values).fill_null(False).any():
            return what
    if validators.parse_dates(values).is_not_null().any():
        return "date"
    return None


def _decode(raw: bytes, name: str) -> tuple[str, bytes]:
    """The encoding and the body as UTF-8 bytes (polars reads only UTF-8). UTF-8 is not validated here:
    polars validates while parsing, and a failure falls back to Windows-1252."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", raw[3:]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return "utf-16", raw.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise UnreadableFile(name, "says it is UTF-16 (byte-order mark) but contains invalid UTF-16") from None
    sample = raw[:SNIFF_BYTES]
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4 and sample[0::2].count(0) == 0:
        try:  # UTF-16 LE without a byte-order mark (some exports write it so)
            return "utf-16-le", raw.decode("utf-16-le").encode("utf-8")
        except UnicodeDecodeError:
            pass
    if b"\x00" in sample or _control_share(sample) > 0.01:
        raise UnreadableFile(name, "binary data, not a CSV/TSV text or a spreadsheet")
    return "utf-8", raw


def _decode_legacy(raw: bytes) -> tuple[str, bytes]:
    try:
        return "cp1252", raw.decode("cp1252").encode("utf-8")
    except UnicodeDecodeError:  # five bytes are undefined in cp1252; Latin-1 defines them all
        return "latin-1", raw.decode("latin-1").encode("utf-8")


_CONTROL = bytes(c for c in range(32) if c not in (9, 10, 12, 13))


def _control_share(sample: bytes) -> float:
    return len(sample.translate(None, delete=bytes(set(range(256)) - set(_CONTROL)))) / max(len(sample), 1)


def _sniff_delimiter(sample: str, *, default: str) -> str:
    """The delimiter that splits the header into most fields and the next records into as many."""
    lines = sample.splitlines()
    if len(sample) == SNIFF_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line of the sample may be cut off
    lines = lines[:50]
    best, best_score = default, (0.0, 1)
    for delimiter in DELIMITERS:
        try:
            records = [r for r in csv.reader(lines, delimiter=delimiter, quotechar='"') if r]
        except csv.Error:
            continue
        if not records:
            continue
        width = len(records[0])
        if width < 2:
            continue
        agree = sum(1 for r in records[1:] if len(r) == width) / max(len(records) - 1, 1)
        score = (agree, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _parse_csv(body: bytes, delimiter: str, name: str, *, has_header: bool = True) -> pl.DataFrame | None:
    """The parsed frame, or None when the body is not valid UTF-8."""
    try:
        return pl.read_csv(
            body, separator=delimiter, infer_schema=False, has_header=has_header, quote_char='"',
            truncate_ragged_lines=True, raise_if_empty=True,
        )
    except pl.exceptions.NoDataError:
        raise UnreadableFile(name, "the file is empty") from None
    except pl.exceptions.ComputeError as exc:
        if "utf-8" in str(exc).lower() or "utf8" in str(exc).lower():
            return None
        # polars' message quotes the offending field: never pass it on.
        raise UnreadableFile(name, "not a readable CSV/TSV (malformed quoting or structure)") from None
    except pl.exceptions.PolarsError as exc:
        raise UnreadableFile(name, f"not a readable CSV/TSV ({type(exc).__name__})") from None


def _one_line(text: str) -> str:
    return " ".join(str(text).split())
