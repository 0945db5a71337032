"""Another month's export of the same region: the input folder as the bureau would send it a run
earlier or later. Some taxpayers are absent (deregistered, or not yet registered), some sit at another
address, and some are registered only in this variant — so two ETL runs, one on each, have tax
sources that came, went and moved per hexagon (taxmap/data/changes.py).

`make run` builds the demo warehouse from such a variant first (the previous month), then from the
demo input, so the command map's 批次变化 layer has something to show; the tests and the analysis
benchmark make a second run the same way. Every other file is copied unchanged; the taxpayers file
keeps its encoding (the demo's is GB18030) and its headers (Chinese or English)."""

from __future__ import annotations

import csv
import io
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

from etl.uscc import check_char, org_check_char

# the taxpayers file's columns this needs, by their English or Chinese header
COLUMNS = {"taxpayer_id": "纳税人识别号", "name": "纳税人名称", "lng": "经度", "lat": "纬度"}
MOVE_DEGREES = 0.003  # about 300 m east at Shenzhen's latitude


@dataclass(frozen=True)
class Variant:
    dropped: int
    moved: int
    added: int


def write_variant(source: Path, target: Path, *, seed: int, drop: float = 0.04, move: float = 0.04,
                  add: float = 0.002) -> Variant:
    """Copy the input folder ``source`` to ``target`` with ``drop`` of its taxpayers left out, ``move``
    of the located ones shifted about 300 m, and ``add`` × taxpayers new ones (copies of located
    taxpayers with new valid USCCs and names), chosen with ``seed``. Returns the counts."""
    source, target = Path(source), Path(target)
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    path = next((p for p in sorted(target.iterdir()) if p.stem == "taxpayers" and p.suffix == ".csv"), None)
    if path is None:
        raise ValueError(f"{source}: a taxpayers.csv is needed to write a variant")
    raw = path.read_bytes()
    try:
        text, encoding = raw.decode("utf-8-sig"), "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        text, encoding = raw.decode("gb18030"), "gb18030"
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, body = rows[0], rows[1:]
    col = {key: header.index(zh if zh in header else key) for key, zh in COLUMNS.items()}
    rng = random.Random(seed)

    def located(row: list[str]) -> bool:  # exports have dirty positions ('不详', blanks, short rows)
        try:
            return bool(float(row[col["lng"]]) and float(row[col["lat"]]))
        except (ValueError, IndexError):
            return False

    kept, dropped, moved = [], 0, 0
    for row in body:
        draw = rng.random()
        if draw < drop:
            dropped += 1
            continue
        if draw < drop + move and located(row):
            row = list(row)
            row[col["lng"]] = f"{float(row[col['lng']]) + MOVE_DEGREES:.6f}"
            moved += 1
        kept.append(row)
    placed = [row for row in kept if located(row)]
    added = min(round(add * len(body)), 99_999) if placed else 0
    for i in range(added):
        row = list(rng.choice(placed))
        org = f"MA{seed % 10}{i:05d}"  # a GB 11714 organisation code with its own check character
        first17 = f"91440300{org}{org_check_char(org)}"
        row[col["taxpayer_id"]] = first17 + check_char(first17)
        row[col["name"]] = f"深圳市新设{seed % 10}{i:05d}商贸有限公司"
        kept.append(row)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(kept)
    path.write_bytes(out.getvalue().encode(encoding))
    return Variant(dropped, moved, added)
