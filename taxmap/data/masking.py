"""Personal identifiers shown masked (PIPL): a phone keeps its first 3 and last 4 digits, an ID number
its first 4 and last 4 characters, a person's name its first character (and its last, for names of
three or more). Only a role that needs them in clear gets them: the officer a task is assigned to."""

from __future__ import annotations


def phone(value: str | None) -> str:
    if not value:
        return ""
    digits = str(value)
    return digits[:3] + "*" * max(len(digits) - 7, 1) + digits[-4:] if len(digits) > 7 else "*" * len(digits)


def id_number(value: str | None) -> str:
    if not value:
        return ""
    text = str(value)
    return text[:4] + "*" * (len(text) - 8) + text[-4:] if len(text) > 8 else "*" * len(text)


def person(value: str | None) -> str:
    if not value:
        return ""
    text = str(value)
    if len(text) <= 2:
        return text[0] + "*" * (len(text) - 1 or 1)
    return text[0] + "*" * (len(text) - 2) + text[-1]


def business_name(value: str | None, entity_type: str | None) -> str:
    """An individual business (个体工商户) often carries its owner's name: for analysts the middle
    of the name is masked; companies' names are public registrations and stay."""
    if not value or entity_type != "个体工商户":
        return value or ""
    text = str(value)
    keep = max(len(text) // 3, 1)
    return text[:keep] + "*" * (len(text) - 2 * keep) + text[-keep:] if len(text) > 2 * keep else text[0] + "*"
