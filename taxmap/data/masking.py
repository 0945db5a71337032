"""Personal identifiers shown masked (PIPL): a phone keeps its first 3 and last 4 digits, a person's
name its first character (and its last, for names of three or more). Only a role that needs them in
clear gets them: the officer a task is assigned to."""

from __future__ import annotations


def phone(value: str | None) -> str:
    if not value:
        return ""
    digits = str(value)
    return digits[:3] + "*" * max(len(digits) - 7, 1) + digits[-4:] if len(digits) > 7 else "*" * len(digits)


def person(value: str | None) -> str:
    if not value:
        return ""
    text = str(value)
    if len(text) <= 2:
        return text[0] + "*" * (len(text) - 1 or 1)
    return text[0] + "*" * (len(text) - 2) + text[-1]

