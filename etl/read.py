"""Reading the input folder as text: Arrow tables, or DuckDB views over Parquet files.

Every tabular source becomes a table with ``_row`` (the data row number,
from 1), ``_malformed`` (a CSV row whose cell count differs from the header)
and one string column per contract column (English names; absent optional
columns are NULL). Nothing is parsed here beyond text: the staging models
decide what is valid, so no row is lost before it can be accounted for.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from etl.schema import COORD_SYS_ALIASES, SOURCES, Source

HEADER_SEARCH_ROWS = 20
# Parquet cells are trimmed like CSV/XLSX cells (Arrow's utf8_trim_whitespace). DuckDB's trim()
# already removes Unicode spaces (no-break, full-width); ASCII control whitespace needs the
# explicit, four times slower form, so only cells that contain some take it.
_CONTROL_WHITESPACE = (9, 10, 11, 12, 13)
_ALL_WHITESPACE_SQL = " || ".join(["' '", *(f"chr({c})" for c in (*_CONTROL_WHITESPACE, 160, 12288))])


def _trim_sql(column: str) -> str:
    has_control = " or ".join(f"contains({column}, chr({c}))" for c in _CONTROL_WHITESPACE)
    return f"case when {has_control} then trim({column}, {_ALL_WHITESPACE_SQL}) else trim({column}) end"


class InputError(Exception):
    """The input cannot be used at all; the message says what to fix."""


@dataclass
class SourceFile:
    """One input file, read as text: an Arrow table, or for Parquet a query DuckDB runs on the file itself."""

    source: Source
    path: Path
    table: pa.Table | None = None
    encoding: str | None = None
    present_columns: frozenset[str] = field(default_factory=frozenset)
    query: str | None = None
    rows_read: int = 0
    delimiter: str | None = None  # a CSV's column separator (docs/etl-rules.md, Reading)

    def __post_init__(self) -> None:
        if self.table is not None:
            self.rows_read = self.table.num_rows

    def load(self, con, name: str) -> None:
        """Create table ``name`` from this file and let go of the Arrow copy."""
        if self.table is not None:
            con.register("_raw", self.table)
            con.execute(f"create table {name} as select * from _raw")
            con.unregister("_raw")
            self.table = None
            pa.default_memory_pool().release_unused()  # give the Arrow copy back before the models run
            return
        # A view: the staging model reads the file once, in place, without a copy in memory.
        con.execute(f"create view {name} as {self.query}")
        self.rows_read = con.execute(f"select count(*) from {name}").fetchone()[0]
        if self.source.required and self.rows_read == 0:
            raise InputError(f"{self.path.name}: no data rows (only a header)")


@dataclass(frozen=True)
class Manifest:
    region_name: str = ""
    survey_start: dt.date | None = None
    survey_end: dt.date | None = None
    default_coord_sys: str = "WGS84"
    boundary_coord_sys: str = "WGS84"
    address_mismatch_m: float = 500.0
    link_threshold: float = 0.9
    review_threshold: float = 0.5
    risk_high_score: float = 60.0
    risk_medium_score: float = 30.0
    raw: dict = field(default_factory=dict)


def find_source_file(input_dir: Path, source: Source) -> Path | None:
    """The one file for ``source`` in ``input_dir``; an error when several formats are present."""
    found = [input_dir / f"{source.name}{ext}" for ext in source.formats if (input_dir / f"{source.name}{ext}").is_file()]
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise InputError(f"{input_dir}: both {names} exist; keep exactly one file for {source.name}")
    if not found:
        others = sorted(p.name for p in input_dir.glob(f"{source.name}.*"))
        if others:
            raise InputError(
                f"{others[0]}: unsupported format for {source.name}; use one of {', '.join(source.formats)}"
            )
        if source.required:
            raise InputError(
                f"{input_dir / source.name}{source.formats[0]}: required file is missing "
                f"(accepted: {', '.join(source.name + e for e in source.formats)})"
            )
        return None
    return found[0]


def read_manifest(input_dir: Path) -> Manifest:
    path = input_dir / "manifest.toml"
    if not path.is_file():
        return Manifest()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path.name}: not valid TOML ({exc})") from None

    def date_of(key: str) -> dt.date | None:
        value = raw.get(key)
        if value in (None, ""):
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise InputError(f"{path.name}: {key} = {value!r} is not a date (write YYYY-MM-DD)") from None

    def coord_sys_of(key: str) -> str:
        value = raw.get(key, "WGS84")
        name = normalise_coord_sys(str(value))
        if name is None:
            raise InputError(
                f"{path.name}: {key} = {value!r} is not a known coordinate system (WGS84, CGCS2000, GCJ02, BD09)"
            )
        return name

    try:
        mismatch = float(raw.get("address_mismatch_m", 500))
    except (TypeError, ValueError):
        raise InputError(f"{path.name}: address_mismatch_m must be a number of metres") from None
    def number_of(key: str, default: float, within, meaning: str) -> float:
        value = raw.get(key, default)
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        if not within(number):
            raise InputError(f"{path.name}: {key} = {value!r} must be {meaning}")
        return number

    def in_order(low_key: str, low: float, high_key: str, high: float) -> None:
        if low > high:
            raise InputError(f"{path.name}: {low_key} ({low}) is above {high_key} ({high})")

    def probability_of(key: str, default: float) -> float:
        return number_of(key, default, lambda x: 0 < x < 1, "a probability between 0 and 1 (exclusive)")

    def score_of(key: str, default: float) -> float:
        return number_of(key, default, lambda x: 0 < x <= 100, "a risk score between 0 and 100")

    link_threshold = probability_of("link_threshold", 0.9)
    review_threshold = probability_of("review_threshold", 0.5)
    in_order("review_threshold", review_threshold, "link_threshold", link_threshold)
    risk_high = score_of("risk_high_score", 60.0)
    risk_medium = score_of("risk_medium_score", 30.0)
    in_order("risk_medium_score", risk_medium, "risk_high_score", risk_high)
    manifest = Manifest(
        region_name=str(raw.get("region_name", "")),
        survey_start=date_of("survey_start"),
        survey_end=date_of("survey_end"),
        default_coord_sys=coord_sys_of("default_coord_sys"),
        boundary_coord_sys=coord_sys_of("boundary_coord_sys"),
        address_mismatch_m=mismatch,
        link_threshold=link_threshold,
        review_threshold=review_threshold,
        risk_high_score=risk_high,
        risk_medium_score=risk_medium,
        raw=raw,
    )
    if manifest.survey_start and manifest.survey_end and manifest.survey_start > manifest.survey_end:
        raise InputError(f"{path.name}: survey_start is after survey_end")
    return manifest


def normalise_coord_sys(value: str) -> str | None:
    key = value.strip().upper().replace("-", "").replace("_", "").replace(" ", "")
    return COORD_SYS_ALIASES.get(key)


# --- tabular sources -----------------------------------------------------------


def read_tabular(path: Path, source: Source) -> SourceFile:
    suffix = path.suffix.lower()
    encoding = delimiter = None
    try:
        if suffix == ".csv":
            table, encoding, delimiter = _read_csv(path, source)
        elif suffix == ".parquet":
            return _parquet_source(path, source)
        else:
            table = _read_xlsx(path, source)
    except InputError:
        raise
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise InputError(f"{path.name}: cannot be read ({_short(exc)})") from None
    out = _finish(path, source, table, encoding)
    out.delimiter = delimiter
    return out


def _short(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


# A byte-order mark names the encoding outright (Excel's "Unicode text" is UTF-16 LE with one).
_UTF16_BOMS = ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
# Column separators a CSV export may use (Excel writes ';' where ',' is the decimal mark, '\t' for
# "Unicode text"); the header decides which one the file uses.
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
HEADER_CHARS = 1 << 16


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a byte-order mark: NUL bytes (never in UTF-8 or GB18030 text) on one parity only."""
    sample = data[:4096]
    if b"\x00" not in sample:
        return None
    odd = sample[1::2].count(0)
    even = sample[0::2].count(0)
    if odd >= 9 * even and odd:
        return "utf-16-le"
    if even >= 9 * odd and even:
        return "utf-16-be"
    return None


def _decode(data: bytes, path: Path) -> tuple[str, str, bytes]:
    """(encoding, text, the same text as UTF-8 bytes without BOM): UTF-16 when a BOM (or the NUL bytes of
    ASCII characters) says so, else UTF-8, else GB18030."""
    for bom, name in _UTF16_BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(name)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{path.name}: starts with a {name.upper()} byte-order mark but is not valid {name.upper()} "
                    f"(undecodable bytes at offset {exc.start + len(bom)}); save it as UTF-8"
                ) from None
            return name, text, text.encode("utf-8")
    guessed = _utf16_without_bom(data)
    if guessed is not None and len(data) % 2 == 0:
        try:
            text = data.decode(guessed)
            return guessed, text, text.encode("utf-8")
        except UnicodeDecodeError:
            pass
    try:
        text = data.decode("utf-8-sig")
        bom = data.startswith(b"\xef\xbb\xbf")
        return ("utf-8-sig" if bom else "utf-8"), text, data[3:] if bom else data
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
        return "gb18030", text, text.encode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path.name}: neither UTF-8 nor GB18030 (undecodable bytes at offset {exc.start}); save it as UTF-8"
        ) from None


def _sniff_delimiter(text: str, path: Path, source: Source) -> tuple[str, list[str]]:
    """The separator whose split of the header row names the most contract columns (ties: the comma
    first), and that header row (cells trimmed)."""
    aliases = source.aliases
    head = text[:HEADER_CHARS]  # the header row, without copying a large file four times
    best: tuple[int, str, list[str]] | None = None
    for delimiter in DELIMITERS:
        header = [h.strip() for h in next(csv.reader(io.StringIO(head), delimiter=delimiter), [])]
        known = len({aliases[h] for h in header if h in aliases})
        if best is None or known > best[0]:
            best = (known, delimiter, header)
    assert best is not None
    known, delimiter, header = best
    if known == 0 and len(header) == 1:
        others = [DELIMITER_NAMES[d] for d in DELIMITERS if d in header[0]]
        hint = f" (it holds {', '.join(others)} characters)" if others else ""
        raise InputError(
            f"{path.name}: no known column in the header row{hint}; "
            f"separate the columns with a comma, semicolon, tab or pipe and use the contract's column names"
        )
    return delimiter, header


def _read_csv(path: Path, source: Source) -> tuple[pa.Table, str, str]:
    encoding, text, utf8 = _decode(path.read_bytes(), path)
    if not text.strip():
        raise InputError(f"{path.name}: the file is empty (expected a header row)")
    delimiter, header = _sniff_delimiter(text, path, source)
    names = [f"c{i}" for i in range(len(header))]
    invalid: list[object] = []

    def on_invalid(row):
        invalid.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(utf8),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_invalid,
                                             newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=False
            ),
        )
    except pa.ArrowInvalid:
        invalid.append(None)
    if not invalid:
        return table.rename_columns(header), encoding, delimiter
    # Arrow cannot say where a malformed row was: take the exact, slower path.
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))[1:]
    rows = [r for r in rows if r]  # csv yields [] for a blank line
    return _rows_to_table(header, rows, source), encoding, delimiter


def _parquet_source(path: Path, source: Source) -> SourceFile:
    """Parquet is read by DuckDB in place (declarations run to tens of millions of rows).

    Parquet has no blank lines: every record is a data row, numbered by its position in the file.
    """
    schema = pq.read_schema(path)
    mapped = _map_header(path, source, schema.names)  # the file's own (untrimmed) names, to quote
    floating = {n for n, t in zip(schema.names, schema.types, strict=True) if pa.types.is_floating(t)}

    def cell(name: str) -> str:
        column = _quote(name)
        if name in floating:  # a NaN float is an empty cell, not the text "nan"
            column = f"case when isnan({column}) then null else {column} end"
        return f"nullif({_trim_sql(f'cast({column} as varchar)')}, '')"

    columns = [
        f"{cell(mapped[c.name])} as {c.name}" if c.name in mapped else f"null::varchar as {c.name}"
        for c in source.columns
    ]
    literal = str(path).replace("'", "''")
    query = f"""
        with cells as (
            select file_row_number, {", ".join(columns)}
            from read_parquet('{literal}', file_row_number = true)
        )
        select file_row_number + 1 as _row, * exclude (file_row_number), false as _malformed
        from cells
    """
    return SourceFile(source=source, path=path, query=query, present_columns=frozenset(mapped))


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _map_header(path: Path, source: Source, header: list[str]) -> dict[str, str]:
    """Contract column → the file's header for it; an error naming the first missing required column."""
    aliases = source.aliases
    mapped: dict[str, str] = {}
    for name in header:
        english = aliases.get(name.strip())
        if english is not None and english not in mapped:
            mapped[english] = name
    missing = [c for c in source.required_columns if c not in mapped]
    if missing:
        alias = next(c.alias for c in source.columns if c.name == missing[0])
        raise InputError(f"{path.name}: required column '{missing[0]}' ({alias}) is missing")
    return mapped


def _cell_text(value) -> str:
    """Excel/parquet cell values as the text a user would see."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if (value.hour or value.minute or value.second) else value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _read_xlsx(path: Path, source: Source) -> pa.Table:
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        cells = sheet.to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types
        raise InputError(f"{path.name}: not a readable .xlsx workbook ({_short(exc)})") from None
    if not cells:
        raise InputError(f"{path.name}: the workbook's first sheet is empty (expected a header row)")
    aliases = source.aliases
    required = set(source.required_columns)
    for index, row in enumerate(cells[:HEADER_SEARCH_ROWS]):
        header = [_cell_text(v).strip() for v in row]
        if required <= {aliases.get(h) for h in header}:
            width = len(header)
            rows = [[_cell_text(v) for v in r][:width] for r in cells[index + 1 :]]
            rows = [r + [""] * (width - len(r)) for r in rows]
            return _rows_to_table(header, rows, source)
    missing = ", ".join(sorted(required))
    raise InputError(
        f"{path.name}: no header row with the required columns ({missing}) in the first {HEADER_SEARCH_ROWS} rows"
    )


def _rows_to_table(header: list[str], rows: list[list[str]], source: Source) -> pa.Table:
    """Rows as lists of text; a row with the wrong cell count is kept, flagged, with only its key."""
    width = len(header)
    key_index = _key_index(header, source)
    columns: list[list[str | None]] = [[] for _ in range(width)]
    malformed: list[bool] = []
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue  # all cells empty ("", "   ", ",,,"): not a data row, whatever its cell count
        ok = len(row) == width
        for i in range(width):
            columns[i].append(row[i] if ok or (i == key_index and i < len(row)) else None)
        malformed.append(not ok)
    table = pa.table([pa.array(c, pa.string()) for c in columns], names=header)
    return table.append_column("_malformed", pa.array(malformed, pa.bool_()))


def _key_index(header: list[str], source: Source) -> int | None:
    aliases = source.aliases
    return next((i for i, h in enumerate(header) if source.key and aliases.get(h) == source.key[0]), None)


def _finish(path: Path, source: Source, table: pa.Table, encoding: str | None) -> SourceFile:
    names = [n for n in table.column_names if n != "_malformed"]
    by_name = _map_header(path, source, names)
    index = {n: i for i, n in reversed(list(enumerate(table.column_names)))}
    mapped = {english: table.column(index[name]) for english, name in by_name.items()}
    n = table.num_rows
    columns = {}
    for col in source.columns:
        if col.name in mapped:
            values = pc.utf8_trim_whitespace(mapped[col.name])
            columns[col.name] = pc.if_else(pc.equal(values, ""), None, values)
        else:
            columns[col.name] = pa.nulls(n, pa.string())
    out = pa.table(columns)
    malformed = table.column("_malformed") if "_malformed" in table.column_names else pa.array([False] * n, pa.bool_())
    # A row whose every cell is empty is not a data row (docs/etl-rules.md).
    all_empty = pc.is_null(out.column(0))
    for column in out.columns[1:]:
        all_empty = pc.and_(all_empty, pc.is_null(column))
    out = out.append_column("_malformed", malformed).filter(pc.or_(pc.invert(all_empty), malformed))
    out = out.add_column(0, "_row", pa.array(range(1, out.num_rows + 1), pa.int64()))
    if source.required and out.num_rows == 0:
        raise InputError(f"{path.name}: no data rows (only a header)")
    return SourceFile(source=source, path=path, table=out, encoding=encoding, present_columns=frozenset(mapped))


# --- GeoJSON sources -----------------------------------------------------------


def read_geojson(path: Path, source: Source) -> SourceFile:
    """Features as rows: properties by contract name, plus the geometry as GeoJSON text."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError(f"{path.name}: not UTF-8 (GeoJSON must be UTF-8, RFC 7946)") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path.name}: broken JSON at line {exc.lineno}, column {exc.colno} ({exc.msg})") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(
        data.get("features"), list
    ):
        raise InputError(f"{path.name}: not a GeoJSON FeatureCollection (expected \"type\": \"FeatureCollection\")")
    aliases = source.aliases
    names = [c.name for c in source.columns]
    columns: dict[str, list] = {n: [] for n in names}
    geometries: list[str | None] = []
    present: set[str] = set()
    for feature in data["features"]:
        props = feature.get("properties") if isinstance(feature, dict) else None
        props = props if isinstance(props, dict) else {}
        row = {}
        for key, value in props.items():
            english = aliases.get(str(key).strip())
            if english and english not in row:
                row[english] = None if value is None else str(value).strip() or None
                present.add(english)
        for n in names:
            columns[n].append(row.get(n))
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        geometries.append(json.dumps(geometry) if geometry else None)
    if not data["features"]:
        raise InputError(f"{path.name}: the FeatureCollection has no features")
    missing = [c for c in source.required_columns if c not in present]
    if missing:
        col = missing[0]
        alias = next(c.alias for c in source.columns if c.name == col)
        raise InputError(f"{path.name}: required property '{col}' ({alias}) is missing from every feature")
    table = pa.table({n: pa.array(v, pa.string()) for n, v in columns.items()})
    table = table.append_column("geometry", pa.array(geometries, pa.string()))
    table = table.append_column("_malformed", pa.array([False] * table.num_rows, pa.bool_()))
    table = table.add_column(0, "_row", pa.array(range(1, table.num_rows + 1), pa.int64()))
    return SourceFile(source=source, path=path, table=table, encoding="utf-8", present_columns=frozenset(present))


def read_inputs(input_dir: Path) -> dict[str, SourceFile]:
    if not input_dir.is_dir():
        raise InputError(f"{input_dir}: input folder does not exist")
    out: dict[str, SourceFile] = {}
    for source in SOURCES.values():
        path = find_source_file(input_dir, source)
        if path is None:
            continue
        out[source.name] = read_geojson(path, source) if path.suffix == ".geojson" else read_tabular(path, source)
    return out
