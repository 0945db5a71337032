"""The indicator catalogue, generated from the indicator files' headers.

    taxmap risk-catalogue            rewrite docs/risk-indicators.md and docs/risk-indicators.zh-CN.md
    taxmap risk-catalogue --check    fail when they are out of date (the tests run this)
"""

from __future__ import annotations

from pathlib import Path

from etl.risk import registry

DOCS = Path(__file__).resolve().parent.parent.parent / "docs"
FILES = {"en": DOCS / "risk-indicators.md", "zh": DOCS / "risk-indicators.zh-CN.md"}

TEXT = {
    "en": {
        "title": "# Risk indicator catalogue",
        "intro": ("Generated from the headers of `etl/models/risk/risk_*.sql` by `taxmap risk-catalogue`; "
                  "do not edit by hand. How the score is built, and how to add an indicator: "
                  "[risk.md](risk.md). 中文版：[risk-indicators.zh-CN.md](risk-indicators.zh-CN.md)."),
        "summary": "{n} indicators in {p} portraits.",
        "head": "| code | indicator | weight | needs | formula | reason shown |",
        "none": "staged taxpayers only",
        "file": "SQL",
    },
    "zh": {
        "title": "# 风险指标目录",
        "intro": ("由 `taxmap risk-catalogue` 根据 `etl/models/risk/risk_*.sql` 的文件头生成，请勿手工修改。"
                  "评分方法与新增指标的步骤见 [risk.md](risk.md)。English: [risk-indicators.md](risk-indicators.md)."),
        "summary": "共 {n} 个指标，{p} 类风险画像。",
        "head": "| 编码 | 指标 | 权重 | 所需数据 | 计算口径 | 提示理由 |",
        "none": "仅需登记信息",
        "file": "SQL",
    },
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(lang: str) -> str:
    t = TEXT[lang]
    indicators = registry.indicators()
    portraits = [p for p in registry.PORTRAITS if any(i.portrait == p for i in indicators)]
    lines = [t["title"], "", t["intro"], "", t["summary"].format(n=len(indicators), p=len(portraits)), ""]
    for portrait in portraits:
        zh, en = registry.PORTRAITS[portrait]
        lines += [f"## {zh if lang == 'zh' else en} (`{portrait}`)", "", t["head"], "|---|---|---:|---|---|---|"]
        for ind in (i for i in indicators if i.portrait == portrait):
            sep = "、" if lang == "zh" else ", "
            needs = sep.join((registry.NEEDS[n][0] if lang == "zh" else registry.NEEDS[n][1]) for n in ind.needs)
            name = ind.name_zh if lang == "zh" else ind.name_en
            logic = ind.logic_zh if lang == "zh" else ind.logic_en
            reason = ind.reason_zh if lang == "zh" else ind.reason_en
            link = f"[{t['file']}](../etl/models/risk/{ind.path.name})"
            lines.append(f"| `{ind.code}` | {_cell(name)} | {ind.weight:g} | {_cell(needs or t['none'])} | "
                         f"{_cell(logic)} ({link}) | {_cell(reason)} |")
        lines.append("")
    return "\n".join(lines)


def write() -> list[Path]:
    for lang, path in FILES.items():
        path.write_text(render(lang), encoding="utf-8")
    return list(FILES.values())


def stale() -> list[Path]:
    return [p for lang, p in FILES.items() if not p.is_file() or p.read_text(encoding="utf-8") != render(lang)]
