"""DuckDB connections with the spatial extension loaded from its wheel."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb


def spatial_extension_path() -> Path:
    """The spatial extension shipped by the ``duckdb-extension-spatial`` wheel.

    It cannot be downloaded at run time (offline networks), and it must match
    DuckDB's version exactly.
    """
    import duckdb_extension_spatial

    base = Path(duckdb_extension_spatial.__file__).parent / "extensions"
    path = base / f"v{duckdb.__version__}" / "spatial.duckdb_extension"
    if not path.is_file():
        found = sorted(p.name for p in base.iterdir()) if base.is_dir() else []
        raise RuntimeError(
            f"spatial extension for DuckDB {duckdb.__version__} not found in {base} (have: {found}); "
            "install duckdb and duckdb-extension-spatial of the same version"
        )
    return path


def connect(path: str | os.PathLike = ":memory:", *, read_only: bool = False, threads: int | None = None,
            memory_limit: str | None = None, temp_directory: str | os.PathLike | None = None
            ) -> duckdb.DuckDBPyConnection:
    config = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    if temp_directory is not None:
        config["temp_directory"] = str(temp_directory)
    if threads:
        config["threads"] = threads
    if memory_limit:
        config["memory_limit"] = memory_limit
    con = duckdb.connect(str(path), read_only=read_only, config=config)
    con.execute(f"LOAD '{spatial_extension_path()}'")
    return con
