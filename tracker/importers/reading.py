"""Reading dataset files as they really come: streamed row by row (memory flat in file size),
a UTF-8 byte-order mark, CRLF line ends, quoted fields spanning lines, `NA` for empty, and
dates written several ways."""

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import BinaryIO

from tracker import csv_cells

# Values the datasets write for "no value" (R's NA, ACLED's and UCDP's exports).
EMPTY = frozenset(["", "na", "n/a", "null", "none", "nan"])


class RowError(Exception):
    """A row that cannot be imported: the column at fault and why."""

    def __init__(self, field: str, message: str):
        self.field, self.message = field, message
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class Row:
    """One data row: its number in the file (the header is row 1) and its values by lower-cased
    column name, "" for empty or missing."""

    number: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")

    def require(self, column: str) -> str:
        value = self.get(column)
        if not value:
            raise RowError(column, "This column is required and is empty.")
        return value

    def restored(self) -> "Row":
        """The row with the tracker's own formula-safe cells read back as written ('=... for
        =...): its CSV export and its ACLED and GED exports write text that way. A cell that
        merely starts with an apostrophe is left as it is (tracker.csv_cells.restore)."""
        return Row(self.number, {name: csv_cells.restore(value) for name, value in self.values.items()})


class NotText(Exception):
    """A line of the file is not text in the file's encoding (a PNG, a gzip, a Latin-1 CSV), or
    holds a NUL byte (no text file does, and PostgreSQL cannot store one)."""

    def __init__(self, line: int, raw: bytes, position: int):
        super().__init__(
            f"Line {line} is not UTF-8 text (byte 0x{raw[position : position + 1].hex()} at position {position + 1}): "
            "save the file as UTF-8 CSV (a compressed file must be unpacked first)."
        )


class CountingLines:
    """The file's lines as text, counting the bytes read so far (for a progress bar)."""

    def __init__(self, stream: BinaryIO, encoding: str = "utf-8"):
        self.stream, self.encoding, self.bytes_read = stream, encoding, 0

    def __iter__(self) -> Iterator[str]:
        for number, raw in enumerate(self.stream, start=1):
            self.bytes_read += len(raw)
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            try:
                text = raw.decode(self.encoding)
            except UnicodeDecodeError as error:
                raise NotText(number, raw, error.start) from None
            if "\x00" in text:
                raise NotText(number, raw, raw.index(b"\x00"))
            yield text


def read_rows(lines: CountingLines) -> tuple[list[str], Iterator[Row]]:
    """The header (lower-cased) and an iterator over the data rows.

    Row numbers count records, not physical lines: a quoted field with line breaks is one row."""
    reader = csv.reader(iter(lines))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise RowError("header", "The file is empty.") from None

    def rows() -> Iterator[Row]:
        for number, record in enumerate(reader, start=2):
            if not any(value.strip() for value in record):
                continue  # blank line
            values = {}
            for name, value in zip(header, record, strict=False):
                value = value.strip()
                values[name] = "" if value.casefold() in EMPTY else value
            yield Row(number, values)

    return header, rows()


_FORMATS = (
    "%Y-%m-%d",
    "%d-%m-%Y",
    "%d %B %Y",
    "%d %b %Y",
    "%d-%b-%y",
    "%d-%B-%y",
    "%d-%b-%Y",
    "%d-%B-%Y",
    "%d/%m/%Y",
    "%Y/%m/%d",
)


@lru_cache(maxsize=4096)  # a file's dates repeat; each miss below is a strptime
def parse_date(value: str, column: str) -> date:
    """A calendar date as the datasets write it: 2020-05-09, 09 May 2020, 9-May-20 (two-digit
    years are 1969–2068, as Python reads them), 09/05/2020 (day first, ACLED's order), or an
    ISO timestamp of which only the date counts."""
    text = re.sub(r"\s+", " ", value.strip())
    for fmt in _FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        raise RowError(column, f"'{value}' is not a date (expected e.g. 2020-05-09, 09 May 2020 or 9-May-20).") from None


def parse_int(value: str, column: str, *, minimum: int | None = 0) -> int | None:
    if not value:
        return None
    try:
        number = int(float(value)) if re.fullmatch(r"-?\d+(\.0+)?", value) else int(value)
    except ValueError:
        raise RowError(column, f"'{value}' is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise RowError(column, f"{number} is below {minimum}.")
    return number


def parse_coordinate(value: str, column: str, limit: float) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise RowError(column, f"'{value}' is not a number.") from None
    if not -limit <= number <= limit:
        raise RowError(column, f"{number} is outside -{limit:g}..{limit:g}.")
    return number


def split_list(value: str, separator: str = ";") -> list[str]:
    """A multi-valued cell ("SOHR; Syrian Observer"), without empty or repeated items."""
    items = []
    for item in value.split(separator):
        item = item.strip()
        if item and item not in items:
            items.append(item)
    return items


def labelled(row: Row, columns: tuple[tuple[str, str], ...]) -> list[str]:
    """ "Label: value" lines for the columns of a row that have a value (for a description)."""
    return [f"{label}: {row.get(column)}" for column, label in columns if row.get(column)]
