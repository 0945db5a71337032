"""Editing a region's input files in tests, as a bureau's next export would differ."""

from __future__ import annotations

import csv
import io


def rewrite_csv(path, change) -> None:
    """Rewrite a CSV input through ``change(header, rows) -> rows``, in its own encoding (the generated
    region's taxpayers are GB18030, as bureau exports often are)."""
    raw = path.read_bytes()
    try:
        text, encoding = raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = raw.decode("gb18030"), "gb18030"
    rows = list(csv.reader(io.StringIO(text, newline="")))
    body = change(rows[0], rows[1:])
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(rows[0])
        writer.writerows(body)
