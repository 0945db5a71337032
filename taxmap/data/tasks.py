"""Tasks as the web tier reads them: only what the user's role and area allow (district leaders all
tasks, street leaders their streets', officers their own), with names from the warehouse, evidence
lines and the subject's contact masked unless the reader is the officer the task is assigned to."""

from __future__ import annotations

from dispatch import tasks as T
from dispatch.sources import evidence_text
from taxmap.data import masking
from taxmap.warehouse import Warehouse, WarehouseMissing


def visibility(actor: T.Actor | None) -> dict | None:
    """The filter of list_tasks for ``actor``; None: no task at all (analysts, admins, no login)."""
    if actor is None:
        return None
    if actor.role == "district_leader":
        return {"street_codes": None}
    if actor.role == "street_leader":
        return {"street_codes": frozenset(actor.street_codes)}
    if actor.role == "officer" and actor.officer_id:
        return {"officer_id": actor.officer_id}
    return None


def may_read(actor: T.Actor | None, task: dict) -> bool:
    seen = visibility(actor)
    if seen is None:
        return False
    if "officer_id" in seen:
        return task["officer_id"] == seen["officer_id"]
    return seen["street_codes"] is None or task["street_code"] in seen["street_codes"]


_NAMES: dict[tuple, dict[str, str]] = {}


def _names(wh: Warehouse, sql: str) -> dict[str, str]:
    """code → name, read once per published snapshot (a page refresh asks for them several times)."""
    key = (sql, str(wh.path), wh.identity())
    if key not in _NAMES:
        try:
            names = {r["code"]: r["name"] for r in wh.query(sql)}
        except WarehouseMissing:
            return {}
        if len(_NAMES) > 64:
            _NAMES.clear()
        _NAMES[key] = names
    return _NAMES[key]


def officer_names(wh: Warehouse) -> dict[str, str]:
    return _names(wh, "select officer_id as code, name from stg_officers")


def street_names(wh: Warehouse) -> dict[str, str]:
    return _names(wh, "select street_code as code, street_name as name from stg_streets")


def officers_for(wh: Warehouse, actor: T.Actor | None) -> list[dict]:
    """The officers a leader may assign to: the district's, or the street leader's streets'."""
    seen = visibility(actor)
    if seen is None or "officer_id" in seen:
        return []
    where, params = "true", []
    if seen["street_codes"] is not None:
        where, params = "street_code in (select unnest(?))", [sorted(seen["street_codes"])]
    return wh.query(f"select officer_id, name, coalesce(role, '') as role, street_code from stg_officers "
                    f"where {where} order by street_code, officer_id", params)


def rows(eng, wh: Warehouse, actor: T.Actor | None, lang: str, *, states=None, kinds=None, overdue_only=False,
         limit: int = 5000) -> list[dict]:
    """The tasks ``actor`` may see, flattened for a table (labels in ``lang``)."""
    seen = visibility(actor)
    if seen is None:
        return []
    found = T.list_tasks(eng, states=states, kinds=kinds, overdue_only=overdue_only, limit=limit, **seen)
    officers, streets = officer_names(wh), street_names(wh)
    i = 0 if lang == "zh" else 1
    return [{
        "task_id": t["task_id"], "version": t["version"], "kind": T.KINDS[t["kind"]][i], "kind_code": t["kind"],
        "name": t["subject_name"], "record_id": t["record_id"] or "", "taxpayer_id": t["taxpayer_id"] or "",
        "street": streets.get(t["street_code"], t["street_code"] or ""), "street_code": t["street_code"],
        "grid_code": t["grid_code"] or "", "officer": officers.get(t["officer_id"], t["officer_id"] or "—"),
        "officer_id": t["officer_id"] or "", "state": T.STATE_LABELS[t["state"]][i], "state_code": t["state"],
        "due": f"{t['due_at']:%Y-%m-%d}", "overdue": t["overdue"], "priority": round(t["priority"], 1),
        "lng": t["lng"], "lat": t["lat"], "created": f"{t['created_at']:%Y-%m-%d %H:%M}",
    } for t in found]


def detail(eng, wh: Warehouse, actor: T.Actor | None, task_id: int, lang: str) -> dict | None:
    """One task with its evidence, history and the subject's contact; None when ``actor`` may not
    read it (another street's, another officer's) or it does not exist."""
    task = T.get_task(eng, task_id)
    if task is None or not may_read(actor, task):
        return None
    i = 0 if lang == "zh" else 1
    officers = officer_names(wh)
    history = [{"at": f"{e['at']:%Y-%m-%d %H:%M}", "actor": e["actor"], "action_code": e["action"],
                "action": T.ACTION_LABELS[e["action"]][i],
                "to": T.STATE_LABELS[e["to_state"]][i], "note": e["note"] or "",
                "officer": officers.get(e["officer_id"], e["officer_id"] or "")} for e in T.events(eng, task_id)]
    return {
        **task, "kind_label": T.KINDS[task["kind"]][i], "state_label": T.STATE_LABELS[task["state"]][i],
        "officer_name": officers.get(task["officer_id"], task["officer_id"] or ""),
        "evidence_lines": evidence_text(task["evidence"], lang), "history": history,
        "contact": contact(wh, task, clear=actor.role == "officer" and task["officer_id"] == actor.officer_id),
        "actions": T.allowed_actions(actor, task),
        "result_label": T.RESULTS[task["result_code"]][i] if task["result_code"] else "",
        "overdue": task["state"] in T.AWAITING_OFFICER and task["due_at"] < T.now(),
    }


def contact(wh: Warehouse, task: dict, *, clear: bool) -> dict:
    """Who to ask on site: the registration's legal representative and phone and address, or the grid
    unit's address. Masked unless ``clear`` (the assigned officer)."""
    out: dict = {}
    try:
        if task["taxpayer_id"]:
            found = wh.query("select legal_rep, phone, reg_address from stg_taxpayers where taxpayer_id = ?",
                             [task["taxpayer_id"]])
            if found:
                r = found[0]
                out.update(legal_rep=r["legal_rep"] if clear else masking.person(r["legal_rep"]),
                           phone=r["phone"] if clear else masking.phone(r["phone"]), address=r["reg_address"])
        if task["record_id"]:
            found = wh.query("select address from stg_grid_units where record_id = ?", [task["record_id"]])
            if found:
                out["unit_address"] = found[0]["address"]
    except WarehouseMissing:
        pass
    return out


def points(eng, actor: T.Actor | None, *, open_only: bool = True) -> list[dict]:
    """The visible tasks with a position, for the map's tasks layer."""
    seen = visibility(actor)
    if seen is None:
        return []
    states = sorted(T.OPEN) if open_only else None
    return [{"task_id": t["task_id"], "lng": t["lng"], "lat": t["lat"], "state": t["state"], "kind": t["kind"],
             "name": t["subject_name"], "overdue": t["overdue"]}
            for t in T.list_tasks(eng, states=states, limit=20000, **seen) if t["lng"] is not None]

