"""Users, passwords, lockout and the append-only audit log, on SQLite and (when
TAXMAP_TEST_DATABASE_URL points at a server, as .ci/run sets it) on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from dispatch import audit, users
from dispatch.store import MIGRATIONS, audit_log, migrate, open_store



def test_migrations_apply_once(store):
    assert migrate(store) == []  # open_store applied them all
    with store.connect() as conn:
        versions = [r[0] for r in conn.exec_driver_sql("select version from schema_migrations order by 1")]
    assert versions == [v for v, _, _ in MIGRATIONS]


def test_add_list_disable_and_reset(store):
    leader = users.add_user(store, "xixiang.lead", "street-pass-2026", "street_leader", display_name="西乡街道负责人",
                            streets=frozenset({"440306006"}))
    assert leader.role == "street_leader" and leader.street_codes == {"440306006"} and leader.active
    users.add_user(store, "analyst1", "analyst-pass-2026", "analyst")
    assert [u.username for u in users.list_users(store)] == ["analyst1", "xixiang.lead"]
    with pytest.raises(users.UserError, match="exists already"):
        users.add_user(store, "analyst1", "analyst-pass-2026", "analyst")
    with pytest.raises(users.UserError, match="street_leader needs its street"):
        users.add_user(store, "lead2", "street-pass-2026", "street_leader")
    with pytest.raises(users.UserError, match="officer needs its grid"):
        users.add_user(store, "officer2", "officer-pass-2026", "officer")
    with pytest.raises(users.UserError, match="unknown role"):
        users.add_user(store, "boss", "boss-pass-2026", "mayor")
    with pytest.raises(users.UserError, match="at least 10 characters"):
        users.add_user(store, "short", "abc123", "analyst")
    with pytest.raises(users.UserError, match="mix letters"):
        users.add_user(store, "letters", "onlyletterspassword", "analyst")
    assert users.disable_user(store, "analyst1").active is False
    assert users.authenticate(store, "analyst1", "analyst-pass-2026").reason == "disabled"
    reset = users.reset_password(store, "xixiang.lead", "new-street-pass-1")
    assert reset.must_change_password
    assert users.authenticate(store, "xixiang.lead", "street-pass-2026").reason == "bad_password"
    assert users.authenticate(store, "xixiang.lead", "new-street-pass-1").reason == "ok"
    actions = [(r["action"], r["target"]) for r in audit.search(store, action="user.")]
    assert ("user.add", "xixiang.lead") in actions and ("user.disable", "analyst1") in actions \
        and ("user.reset_password", "xixiang.lead") in actions


def test_passwords_are_argon2_hashes(store):
    users.add_user(store, "officer1", "officer-pass-2026", "officer", grids=frozenset({"4403060060001"}))
    with store.connect() as conn:
        stored = conn.exec_driver_sql("select password_hash from users where username = 'officer1'").scalar()
    assert stored.startswith("$argon2id$") and "officer-pass-2026" not in stored


def test_repeated_failures_lock_the_account(store):
    users.add_user(store, "lead", "lead-pass-2026x", "district_leader")
    for attempt in range(4):
        assert users.authenticate(store, "lead", "wrong-password", max_failures=5).reason == "bad_password"
    assert users.authenticate(store, "lead", "lead-pass-2026x", max_failures=5).reason == "ok"  # resets the count
    for attempt in range(5):
        users.authenticate(store, "lead", "wrong-password", max_failures=5)
    assert users.get_user(store, "lead").locked_until is not None
    # locked: even the right password is refused, without saying so to the caller
    assert users.authenticate(store, "lead", "lead-pass-2026x", max_failures=5).reason == "locked"
    # once the lockout has passed, the right password works again
    with store.begin() as conn:
        conn.exec_driver_sql("update users set locked_until = '2000-01-01 00:00:00' where username = 'lead'")
    assert users.authenticate(store, "lead", "lead-pass-2026x").reason == "ok"
    assert users.enable_user(store, "lead").locked_until is None


def test_every_login_is_audited(store):
    users.add_user(store, "lead", "lead-pass-2026x", "district_leader")
    users.authenticate(store, "lead", "lead-pass-2026x", remote_addr="10.0.0.8")
    users.authenticate(store, "lead", "nope-nope-nope")
    users.authenticate(store, "nobody", "whatever-2026")
    rows = audit.search(store, action="login")
    assert [(r["actor"], r["target"], r["outcome"]) for r in rows] == [
        (None, "nobody", "unknown_user"), ("lead", "lead", "bad_password"), ("lead", "lead", "ok")]
    assert rows[-1]["remote_addr"] == "10.0.0.8"
    assert "nope" not in " ".join(str(r["detail"]) for r in rows)  # passwords are never recorded


def test_the_audit_log_is_append_only_in_the_database(store):
    with store.begin() as conn:
        audit.record(conn, "lead", "export", "hex_stats", "ok")
    for statement in ("update audit_log set outcome = 'changed'", "delete from audit_log"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with store.begin() as conn:
                conn.exec_driver_sql(statement)
    with store.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar() == 1


def test_cli_adds_and_lists_users(tmp_path):
    env = {**os.environ, "TAXMAP_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}"}
    add = subprocess.run([sys.executable, "-m", "taxmap.cli", "users", "add", "xixiang", "--role", "street_leader",
                          "--streets", "440306006", "--password-stdin"], input="street-pass-2026\n", env=env,
                         capture_output=True, text=True)
    assert add.returncode == 0, add.stderr
    bad = subprocess.run([sys.executable, "-m", "taxmap.cli", "users", "add", "x", "--role", "analyst",
                          "--password-stdin"], input="street-pass-2026\n", env=env, capture_output=True, text=True)
    assert bad.returncode == 2 and "username 'x'" in bad.stderr
    listed = subprocess.run([sys.executable, "-m", "taxmap.cli", "users", "list"], env=env, capture_output=True,
                            text=True)
    assert "xixiang" in listed.stdout and "street_leader" in listed.stdout and "440306006" in listed.stdout


def test_workers_starting_at_once_migrate_the_store_once(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    url = f"sqlite:///{tmp_path / 'race.sqlite'}"
    with ThreadPoolExecutor(6) as pool:
        engines = list(pool.map(lambda _: open_store(url), range(6)))
    with engines[0].connect() as conn:
        assert conn.exec_driver_sql("select count(*) from schema_migrations").scalar() == len(MIGRATIONS)
    for eng in engines:
        eng.dispose()
