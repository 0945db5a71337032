"""The docs are checked against the code: every published model and every code is documented."""

from __future__ import annotations

import re
from pathlib import Path

from etl.pipeline import RUN_TABLES, discover_models
from etl.schema import QUALITY_ISSUES, REJECT_REASONS

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_every_published_model_is_listed_in_the_warehouse_doc():
    text = (DOCS / "warehouse.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `(\w+)` \|", text, flags=re.MULTILINE))
    models = discover_models()
    published = {m.name for m in models.values() if not m.ephemeral} | set(RUN_TABLES)
    assert published == listed


def test_every_reject_reason_and_quality_issue_is_in_the_rules_doc():
    text = (DOCS / "etl-rules.md").read_text(encoding="utf-8")
    for code in list(REJECT_REASONS) + list(QUALITY_ISSUES):
        assert f"`{code}`" in text, code


def test_every_api_endpoint_and_parameter_is_in_the_api_doc():
    from taxmap.api_spec import spec
    from taxmap.settings import Settings

    text = (DOCS / "api.md").read_text(encoding="utf-8")
    for path, operations in spec(Settings())["paths"].items():
        assert f"`GET {path}`" in text, path
        for parameter in operations["get"]["parameters"]:
            assert f"`{parameter['name']}`" in text, (path, parameter["name"])
