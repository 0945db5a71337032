"""The `taxmap` command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _cmd_generate(args: argparse.Namespace) -> int:
    from taxmap.demo import generate

    summary = generate(scale=args.scale, seed=args.seed, out=Path(args.out), profile=args.profile, region=args.region)
    for key, value in summary.items():
        print(f"{key}: {value}")
    return 0


# `taxmap etl` published, but its linkage could train no model on the region's own data
# (docs/linkage.md, training): a scheduler must not take it for a clean run.
EXIT_SHIPPED_MODEL = 3


def _cmd_etl(args: argparse.Namespace) -> int:
    from etl.pipeline import run_etl, run_summary, stderr_progress
    from etl.read import InputError
    from taxmap.settings import get_settings

    settings = get_settings()
    backend = args.linkage_backend or settings.linkage_backend
    if backend == "spark":
        from etl.linkage.spark import missing

        problem = missing()
        if problem:
            print(f"taxmap etl: {problem}", file=sys.stderr)
            return 2
    try:
        result = run_etl(
            Path(args.input), Path(args.out), force=args.force,
            progress=None if args.quiet else stderr_progress(),
            threads=settings.threads, memory_limit=settings.memory_limit,
            keep_intermediate=args.keep_intermediate, linkage_backend=backend,
        )
    except InputError as exc:
        print(f"taxmap etl: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - one line for the user, never a traceback
        print(f"taxmap etl: failed, previous warehouse kept ({type(exc).__name__}: {str(exc).splitlines()[0]})",
              file=sys.stderr)
        return 1
    print(run_summary(result))
    if result.shipped_model and not args.allow_shipped_model:
        print("taxmap etl: published, but linked with the shipped demo parameters (see the WARNING lines); "
              "exit 3 (pass --allow-shipped-model to accept it)", file=sys.stderr)
        return EXIT_SHIPPED_MODEL
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    import os

    if args.warehouse:
        os.environ["TAXMAP_WAREHOUSE_DIR"] = str(Path(args.warehouse).resolve())
    if args.port:
        os.environ["TAXMAP_PORT"] = str(args.port)
    from taxmap.settings import get_settings

    get_settings.cache_clear()
    settings = get_settings()
    print(f"taxmap: serving http://{settings.host}:{settings.port} (warehouse {settings.warehouse_path})", flush=True)
    if args.dev:
        from app import app

        app.run(host=settings.host, port=settings.port, debug=True)
        return 0
    from taxmap.server import serve

    serve(settings, workers=args.workers, threads=args.threads)
    return 0


def _cmd_risk_catalogue(args: argparse.Namespace) -> int:
    from etl.risk import catalogue

    if args.check:
        stale = catalogue.stale()
        for path in stale:
            print(f"{path}: out of date; run `taxmap risk-catalogue`", file=sys.stderr)
        return 1 if stale else 0
    for path in catalogue.write():
        print(f"wrote {path}")
    return 0


def _read_password(args: argparse.Namespace) -> str:
    import getpass

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise SystemExit("taxmap users: the two passwords differ")
    return first


DEMO_USERS = (  # demo region only: `make run` creates them; never use these passwords for real data
    ("leader", "district_leader", "demo-leader-2026", "区局领导"),
    ("street", "street_leader", "demo-street-2026", "街道负责人"),
    ("officer", "officer", "demo-officer-2026", "网格专管员"),
    ("analyst", "analyst", "demo-analyst-2026", "数据分析员"),
    ("admin", "admin", "demo-admin-2026", "系统管理员"),
)


def _demo_users(eng, users) -> None:
    """One user per role on the demo warehouse (the first street, its first grid), then the logins."""
    from taxmap.settings import get_settings
    from taxmap.warehouse import Warehouse

    wh = Warehouse(get_settings().warehouse_path)
    street = wh.query("select street_code, street_name from stg_streets order by street_code limit 1")[0]
    # the demo officer is the street's first grid worker of the roster, with its grids
    roster = wh.query("select officer_id, grid_codes from stg_officers where street_code = ? and role = 'grid_worker' "
                      "order by officer_id limit 1", [street["street_code"]])
    grid = wh.query("select grid_code from stg_grids where street_code = ? order by grid_code limit 1",
                    [street["street_code"]])[0]["grid_code"]
    officer_id, grids = (roster[0]["officer_id"], frozenset(roster[0]["grid_codes"])) if roster else (None, {grid})
    wh.close()
    print("demo logins (demo data only):")
    for username, role, password, name in DEMO_USERS:
        if users.get_user(eng, username) is None:
            users.add_user(eng, username, password, role, display_name=name,
                           streets=frozenset({street["street_code"]}) if role == "street_leader" else frozenset(),
                           grids=grids if role == "officer" else frozenset(),
                           officer_id=officer_id if role == "officer" else None, actor="make run")
        area = (street["street_name"] if role == "street_leader"
                else f"{officer_id or ''} {';'.join(sorted(grids))}" if role == "officer" else "全区")
        print(f"  {username:<9} {password:<19} {role:<16} {area}")


def _cmd_users(args: argparse.Namespace) -> int:
    from dispatch import users
    from dispatch.store import open_store
    from taxmap.settings import get_settings

    eng = open_store(get_settings().resolved_database_url)

    def codes(text: str | None) -> frozenset[str]:
        return frozenset(c.strip() for c in (text or "").replace(",", ";").split(";") if c.strip())

    try:
        if args.users_command == "add":
            user = users.add_user(eng, args.username, _read_password(args), args.role, display_name=args.name or "",
                                  streets=codes(args.streets), grids=codes(args.grids), officer_id=args.officer)
            print(f"added {user.username} ({user.role})")
        elif args.users_command == "list":
            print(f"{'username':<20}{'role':<18}{'active':<8}{'locked until':<18}area")
            for u in users.list_users(eng):
                area = ";".join(sorted(u.street_codes | u.grid_codes)) or "—"
                locked = f"{u.locked_until:%Y-%m-%d %H:%M}" if u.locked_until else ""
                print(f"{u.username:<20}{u.role:<18}{'yes' if u.active else 'no':<8}{locked:<18}{area}")
        elif args.users_command == "disable":
            users.disable_user(eng, args.username)
            print(f"disabled {args.username}")
        elif args.users_command == "enable":
            users.enable_user(eng, args.username)
            print(f"enabled {args.username}")
        elif args.users_command == "demo":
            _demo_users(eng, users)
        elif args.users_command == "reset-password":
            users.reset_password(eng, args.username, _read_password(args))
            print(f"new password set for {args.username}; it must be changed at the next login")
    except users.UserError as exc:
        print(f"taxmap users: {exc}", file=sys.stderr)
        return 2
    return 0


def _leader(eng, users, username: str):
    from dispatch.tasks import Actor

    user = users.get_user(eng, username)
    if user is None or not user.active or user.role not in ("district_leader", "street_leader"):
        raise users.UserError(f"--as {username!r}: an active district_leader or street_leader user")
    return Actor.of(user)


def _cmd_tasks(args: argparse.Namespace) -> int:
    from dispatch import sources, tasks, users
    from dispatch.store import open_store
    from taxmap import data
    from taxmap.settings import get_settings
    from taxmap.warehouse import Warehouse, WarehouseMissing

    settings = get_settings()
    eng = open_store(settings.resolved_database_url)
    try:
        if args.tasks_command == "export-results":
            path, n = tasks.export_results(eng, Path(args.out))
            print(f"wrote {n} approved result(s) to {path}; put it in the input folder of the next `taxmap etl`")
            return 0
        wh = Warehouse(settings.warehouse_path)
        if args.tasks_command == "demo":
            if tasks.summary(eng)["total"]:
                print("the task store has tasks already: demo tasks not added")
                return 0
            actor = _leader(eng, users, "street")
            selection = sources.Selection(data.Scope(actor.street_codes), kinds=sources.DISCREPANCY_KINDS
                                          + ("high_risk",))
            result = tasks.dispatch(eng, sources.candidates(wh, selection), sources.officers(wh), actor,
                                    params=selection.params())
            print(f"demo tasks: {result.created} dispatched in the street leader's street (batch {result.batch_id})")
            return 0
        actor = _leader(eng, users, args.actor)
        scope = data.Scope(actor.street_codes) if actor.role == "street_leader" else data.REGION
        if args.streets:
            asked = frozenset(args.streets.split(";"))
            if actor.role == "street_leader" and not asked <= actor.street_codes:
                raise users.UserError(f"--streets: {args.actor} leads {';'.join(sorted(actor.street_codes))} only")
            scope = scope.narrow(data.Scope(asked))
        if args.tasks_command == "dispatch":
            selection = sources.Selection(scope, kinds=tuple(args.kinds.split(";")))
            found = sources.candidates(wh, selection)
            if args.dry_run:
                plan = tasks.plan(eng, found, sources.officers(wh))
                print(f"would create {len(plan.rows)} task(s), {plan.duplicates} already open")
                for officer_id, n in sorted(plan.per_officer().items(), key=lambda kv: str(kv[0])):
                    print(f"  {officer_id or '(unassigned)':<20}{n}")
                return 0
            result = tasks.dispatch(eng, found, sources.officers(wh), actor, params=selection.params())
        else:  # random
            exclude = frozenset(t["taxpayer_id"] for t in tasks.list_tasks(eng, kinds=["random_check"],
                                                                               states=tasks.OPEN))
            draw = sources.random_draw(wh, scope, args.n, args.seed, cell_weight=args.cell_weight,
                                       industry_weight=args.industry_weight, exclude=exclude)
            result = tasks.dispatch(eng, draw.candidates, sources.officers(wh), actor, params=draw.params,
                                    batch_kind="random_check")
        print(f"batch {result.batch_id}: {result.created} task(s) created, {result.duplicates} already open")
    except (users.UserError, tasks.TaskError, ValueError, WarehouseMissing) as exc:
        print(f"taxmap tasks: {exc}", file=sys.stderr)
        return 2
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from dispatch import audit, users
    from dispatch.store import open_store
    from taxmap import auth, data, exports
    from taxmap.data import analysis
    from taxmap.settings import get_settings
    from taxmap.warehouse import Warehouse, WarehouseMissing

    settings = get_settings()
    eng = open_store(settings.resolved_database_url)
    user = users.get_user(eng, args.actor)
    if user is None or not user.active or user.role in ("officer", "screen"):
        print(f"taxmap export: --as {args.actor!r}: an active district_leader, street_leader, analyst or admin",
              file=sys.stderr)
        return 2
    wh = Warehouse(settings.warehouse_path)
    scope = auth.scope_of(user, wh)
    if args.streets:
        scope = scope.narrow(data.Scope(frozenset(args.streets.split(";"))))
    metrics = tuple(args.metrics.split(",")) if args.metrics else analysis.METRICS

    def listed(values: list[str] | None) -> list[str]:  # repeatable, each a ','-separated list
        return [v.strip() for value in values or () for v in value.replace("，", ",").split(",") if v.strip()]

    try:
        filters = analysis.make_filters(wh, industry=listed(args.industry), taxpayer_type=listed(args.type),
                                        credit_rating=listed(args.credit))
        period = analysis.parse_period(args.period)
        if args.compare:
            if period or args.metrics:
                raise ValueError("--compare exports the comparison's own columns over each run's 12 months: "
                                 "leave out --period and --metrics")
            table = analysis.change_table(wh, scope, args.res, args.compare, args.to, filters=filters,
                                          k=settings.disclosure_k)
        else:
            if args.to:
                raise ValueError("--to needs --compare BASE_RUN")
            table = analysis.hex_table(wh, scope, args.res, metrics=metrics, k=settings.disclosure_k,
                                       filters=filters, period=period)
        payload = exports.to_bytes(table, args.format, args.lang)
    except (ValueError, WarehouseMissing) as exc:
        print(f"taxmap export: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    if out.is_dir():
        out = out / exports.filename(table, args.format)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    partial.write_bytes(payload)
    partial.replace(out)
    with eng.begin() as conn:
        audit.record(conn, user.username, "export.hex", str(out)[:256], "ok",
                     f"rows={len(table.rows)} res={args.res} format={args.format} k={table.k} "
                     f"{table.audit_text()} via cli")
    print(f"wrote {len(table.rows)} cells (res {args.res}, {sum(1 for r in table.rows if r['suppressed'])} "
          f"suppressed) to {out}")
    return 0


def _cmd_variant(args: argparse.Namespace) -> int:
    """`taxmap variant`: another month's export of a region (taxmap/demo/variant.py)."""
    from taxmap.demo.variant import write_variant

    try:
        made = write_variant(Path(args.input), Path(args.out), seed=args.seed, drop=args.drop, move=args.move,
                             add=args.add)
    except (OSError, ValueError) as exc:
        print(f"taxmap variant: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}: {made.dropped} taxpayers left out, {made.moved} moved, {made.added} added")
    return 0


def _cmd_runs(args: argparse.Namespace) -> int:
    """`taxmap runs`: the published warehouse's ETL runs, newest first, and which can be compared."""
    from taxmap.data import changes
    from taxmap.settings import get_settings
    from taxmap.warehouse import Warehouse, WarehouseMissing

    wh = Warehouse(get_settings().warehouse_path)
    try:
        runs = wh.query("select run_id, finished_at, seconds, rows_staged from etl_runs order by finished_at desc")
        kept = {r["run_id"] for r in changes.history_runs(wh)}
    except WarehouseMissing as exc:
        print(f"taxmap runs: {exc}", file=sys.stderr)
        return 2
    finally:
        wh.close()
    print(f"{'run':<28}{'finished (UTC)':<20}{'seconds':>9}{'taxpayers':>11}  comparable")
    for r in runs:
        staged = dict(r["rows_staged"] or {})
        print(f"{r['run_id']:<28}{r['finished_at']:%Y-%m-%d %H:%M}    {r['seconds'] or 0:>9.1f}"
              f"{staged.get('taxpayers', 0):>11}  {'yes' if r['run_id'] in kept else 'no'}")
    return 0


def _cmd_tokens(args: argparse.Namespace) -> int:
    """`taxmap screens …` (wall displays) and `taxmap api …` (systems reading /api/v1): token holders."""
    from dispatch import tokens, users
    from dispatch.store import open_store
    from taxmap.settings import get_settings

    role = args.token_role
    noun = "screen" if role == "screen" else "API client"
    settings = get_settings()
    eng = open_store(settings.resolved_database_url)
    try:
        if args.token_command == "add":
            streets = frozenset(c for c in (args.streets or "").replace(",", ";").split(";") if c)
            token = tokens.add(eng, role, args.name, streets=streets, expires_days=getattr(args, "expires_days", None))
            base = args.url or f"http://{settings.host}:{settings.port}"
            area = ";".join(sorted(streets)) or "whole district"
            if role == "screen":
                print(f"screen {args.name} ({area}); its URL, shown once:")
                print(f"  {base}/screen?kiosk=1&token={token}")
            else:
                print(f"API client {args.name} ({area}); its token, shown once:")
                print(f"  {token}")
                print(f"  curl -H 'Authorization: Bearer {token}' '{base}/api/v1/hex-stats?res=8'")
        elif args.token_command == "list":
            print(f"{noun:<20}{'area':<24}{'created':<18}{'last used':<18}{'expires':<12}revoked")
            for h in tokens.holders(eng, role):
                print(f"{h.name:<20}{';'.join(sorted(h.street_codes)) or 'all':<24}{h.created_at:%Y-%m-%d %H:%M}  "
                      f"{f'{h.last_used_at:%Y-%m-%d %H:%M}' if h.last_used_at else '—':<18}"
                      f"{f'{h.expires_at:%Y-%m-%d}' if h.expires_at else '—':<12}"
                      f"{f'{h.revoked_at:%Y-%m-%d %H:%M}' if h.revoked_at else ''}")
        else:
            tokens.revoke(eng, role, args.name)
            print(f"revoked {noun} {args.name}" + (": it is signed out at its next refresh" if role == "screen"
                                                    else ": its next call gets 401"))
    except users.UserError as exc:
        print(f"taxmap {args.command}: {exc}", file=sys.stderr)
        return 2
    return 0


def _token_parser(sub, command: str, role: str, help_: str, noun: str, example: str) -> None:
    parser = sub.add_parser(command, help=help_)
    tsub = parser.add_subparsers(dest="token_command", required=True)
    add = tsub.add_parser("add", help=f"create a {noun} and print its token (shown once)")
    add.add_argument("name", help=f"a name for the {noun}, e.g. {example}")
    add.add_argument("--streets", help="';'-separated street codes (default: the whole district)")
    add.add_argument("--url", help="the app's public URL for the printed example (default: http://HOST:PORT)")
    if role == "system":
        add.add_argument("--expires-days", type=int, help="the token stops working after this many days")
    tsub.add_parser("list", help=f"list {noun}s and when each token was last used")
    rev = tsub.add_parser("revoke", help=f"revoke a {noun}'s token")
    rev.add_argument("name")
    parser.set_defaults(func=_cmd_tokens, token_role=role)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="taxmap", description="实景税源智慧地图 taxmap")
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write a demo region in the data contract's format")
    gen.add_argument("--scale", choices=["small", "baoan", "shenzhen"], default="small")
    gen.add_argument("--region", choices=["baoan", "yiwu"], default=None,
                     help="the region (default: the scale's own; yiwu: 浙江省义乌市, for testing on another province)")
    gen.add_argument("--profile", choices=["demo", "random"], default="demo",
                     help="the data's habits: the demo's, or a noise profile drawn from the seed (truth/profile.json)")
    gen.add_argument("--seed", type=int, default=20261124)
    gen.add_argument("--out", required=True, help="output folder (gets input/ and truth/)")
    gen.set_defaults(func=_cmd_generate)

    etl = sub.add_parser("etl", help="build the warehouse from an input folder (data contract v1)")
    etl.add_argument("--input", required=True, help="input folder")
    etl.add_argument("--out", required=True, help="output folder; gets warehouse.duckdb")
    etl.add_argument("--force", action="store_true", help="rebuild even when the input is unchanged")
    etl.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    etl.add_argument("--allow-shipped-model", action="store_true",
                     help="exit 0 even when the linkage falls back to the shipped demo parameters (default: exit 3)")
    etl.add_argument("--keep-intermediate", action="store_true",
                     help="also publish the intermediate tables (staged declarations, checks) for an audit")
    etl.add_argument("--linkage-backend", choices=["duckdb", "spark"], default=None,
                     help="where the Splink linkage runs (default: TAXMAP_LINKAGE_BACKEND, duckdb); "
                          "spark needs pyspark (pip install 'taxmap[spark]') and Java")
    etl.set_defaults(func=_cmd_etl)

    serve = sub.add_parser("serve", help="serve the map app")
    serve.add_argument("--warehouse", help="folder holding warehouse.duckdb (default: TAXMAP_WAREHOUSE_DIR)")
    serve.add_argument("--port", type=int, help="port (default: TAXMAP_PORT, 8050)")
    serve.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    serve.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    serve.add_argument("--dev", action="store_true", help="Flask's development server with reloading errors")
    serve.set_defaults(func=_cmd_serve)

    usr = sub.add_parser("users", help="manage users of the app (store: TAXMAP_DATABASE_URL)")
    usub = usr.add_subparsers(dest="users_command", required=True)
    add = usub.add_parser("add", help="add a user")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=["district_leader", "street_leader", "officer", "analyst",
                                                        "admin"])
    add.add_argument("--name", help="display name (default: the username)")
    add.add_argument("--streets", help="street codes, ';'-separated (street_leader)")
    add.add_argument("--grids", help="grid codes, ';'-separated (officer)")
    add.add_argument("--officer", help="the officer's officer_id in the roster (officer): its assigned tasks")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin (scripts)")
    usub.add_parser("list", help="list users")
    usub.add_parser("demo", help="create one demo user per role for the demo region and print the logins")
    for name, text in (("disable", "disable a user"), ("enable", "enable a user and unlock it")):
        one = usub.add_parser(name, help=text)
        one.add_argument("username")
    reset = usub.add_parser("reset-password", help="set a new password (to be changed at next login)")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true", help="read the password from stdin (scripts)")
    usr.set_defaults(func=_cmd_users)

    tsk = sub.add_parser("tasks", help="verification tasks: dispatch, random checks, export results for the ETL")
    tsub = tsk.add_subparsers(dest="tasks_command", required=True)
    exp = tsub.add_parser("export-results", help="write task_results.csv (approved reports) for the next ETL")
    exp.add_argument("--out", required=True, help="folder to write task_results.csv into")
    dis = tsub.add_parser("dispatch", help="dispatch tasks for the discrepancies (and high-risk taxpayers) of an area")
    dis.add_argument("--as", dest="actor", required=True, help="the leader user dispatching (audited)")
    dis.add_argument("--kinds", default="unregistered;not_found;address_mismatch;status_conflict",
                     help="';'-separated: unregistered, not_found, address_mismatch, status_conflict, high_risk")
    dis.add_argument("--streets", help="';'-separated street codes (default: all the user leads)")
    dis.add_argument("--dry-run", action="store_true", help="print the tasks per officer, create nothing")
    rnd = tsub.add_parser("random", help="draw a risk-weighted random check (双随机), reproducible by seed")
    rnd.add_argument("--as", dest="actor", required=True, help="the leader user drawing (audited)")
    rnd.add_argument("--n", type=int, required=True, help="how many taxpayers")
    rnd.add_argument("--seed", type=int, required=True, help="the seed (recorded with the batch)")
    rnd.add_argument("--streets", help="';'-separated street codes (default: all the user leads)")
    rnd.add_argument("--cell-weight", type=float, default=2.0, help="weight of the cell's high-risk share (2)")
    rnd.add_argument("--industry-weight", type=float, default=1.0, help="weight of the industry's high-risk share (1)")
    tsub.add_parser("demo", help="demo region only: dispatch the street leader's street once")
    tsk.set_defaults(func=_cmd_tasks)

    exp = sub.add_parser("export", help="export hexagon statistics (disclosure-controlled; docs/analysis.md)")
    exp.add_argument("--as", dest="actor", required=True, help="the user exporting (their area; audited)")
    exp.add_argument("--res", type=int, default=8, choices=[7, 8, 9, 10], help="H3 resolution (default 8)")
    exp.add_argument("--format", default="csv", choices=["csv", "xlsx", "geojson", "geoparquet", "shp"])
    exp.add_argument("--metrics", help="','-separated metrics (default: all)")
    exp.add_argument("--streets", help="';'-separated street codes inside the user's area")
    exp.add_argument("--industry", action="append", help="industry categories (制造 …), repeatable or ','-separated")
    exp.add_argument("--type", action="append", help="taxpayer types (一般纳税人 …), repeatable or ','-separated")
    exp.add_argument("--credit", action="append",
                     help="credit ratings (A, B, … ; 未评级 or unrated), repeatable or ','-separated")
    exp.add_argument("--period", metavar="FROM:TO",
                     help="declared months YYYY-MM:YYYY-MM, both included: tax paid then (tax_paid_period) instead "
                          "of the last 12 months")
    exp.add_argument("--compare", metavar="BASE_RUN",
                     help="export what changed per cell since this ETL run (new, disappeared and moved tax sources, "
                          "change in tax paid and risk) instead of the statistics; `taxmap runs` lists the runs")
    exp.add_argument("--to", metavar="RUN", help="with --compare: the run compared (default: the newest)")
    exp.add_argument("--lang", default="zh", choices=["zh", "en"], help="column headers (default zh)")
    exp.add_argument("--out", required=True, help="a file, or a folder for the default file name")
    exp.set_defaults(func=_cmd_export)

    var = sub.add_parser("variant", help="write another month's export of a region (taxpayers gone, moved, new): "
                                          "a second ETL run to compare with")
    var.add_argument("--input", required=True, help="the input folder to start from")
    var.add_argument("--out", required=True, help="the new input folder (replaced if it exists)")
    var.add_argument("--seed", type=int, default=1)
    var.add_argument("--drop", type=float, default=0.04, help="share of taxpayers left out (default 0.04)")
    var.add_argument("--move", type=float, default=0.04, help="share moved about 300 m (default 0.04)")
    var.add_argument("--add", type=float, default=0.002, help="new taxpayers, as a share of all (default 0.002)")
    var.set_defaults(func=_cmd_variant)

    runs = sub.add_parser("runs", help="list the warehouse's ETL runs (ids for `taxmap export --compare`)")
    runs.set_defaults(func=_cmd_runs)

    _token_parser(sub, "screens", "screen", "read-only tokens for wall displays of /screen (scoped, revocable)",
                  "screen", "lobby")
    _token_parser(sub, "api", "system", "bearer tokens for systems reading /api/v1 (scoped, revocable, audited)",
                  "API client", "report-system")

    cat = sub.add_parser("risk-catalogue", help="write the risk indicator catalogue (docs/risk-indicators*.md)")
    cat.add_argument("--check", action="store_true", help="only check that the catalogue is up to date")
    cat.set_defaults(func=_cmd_risk_catalogue)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
