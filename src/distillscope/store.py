"""The run store: one SQLite file that records every model call, keyed by what determines its output.

Why SQLite in WAL mode: each response is committed the moment it arrives, readers never block the
writer, and a process killed at any instant leaves every committed row intact. A rerun computes the
same keys and is answered from here, so it costs no calls; a killed run resumes by making only the
calls that are missing.

The key hashes the model's identity, the effective parameters, the messages, the call kind and a
sample index (to draw several samples of one request). It leaves out what cannot change the output:
timeouts, retries, concurrency, and the API key, which never enters this file. Error messages are
redacted before they are stored, since an endpoint may echo a key back in its error body, and so is
everything else stored but a reply (specs, configs, requests), since a URL may carry a credential.

A store is opened only if it is one: a file that is not SQLite, or an SQLite file of another schema,
is refused before anything is written to it, and a store that cannot be written is refused when it
is opened, not at the first answer. Commands that only read (`runs list`) never create one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distillscope.errors import InputError
from distillscope.redaction import redact

STORE_ENV = "DISTILLSCOPE_STORE"
DEFAULT_STORE = Path(".distillscope") / "store.sqlite"


def default_store_path() -> Path:
    """Where commands keep their calls unless `--store` or the environment says otherwise."""
    return Path(os.environ.get(STORE_ENV) or DEFAULT_STORE)


SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    model TEXT NOT NULL,
    identity TEXT NOT NULL,
    request TEXT NOT NULL,
    response TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    latency_s REAL NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 1,
    created_at REAL NOT NULL,
    run_id TEXT
);
CREATE TABLE IF NOT EXISTS errors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    model TEXT NOT NULL,
    request TEXT NOT NULL,
    error_type TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at REAL NOT NULL,
    run_id TEXT
);
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    command TEXT NOT NULL,
    config TEXT NOT NULL,
    started_at REAL NOT NULL,
    finished_at REAL,
    status TEXT NOT NULL,
    summary TEXT
);
CREATE TABLE IF NOT EXISTS run_calls (
    run_id TEXT NOT NULL,
    key TEXT NOT NULL,
    cached INTEGER NOT NULL,
    at REAL NOT NULL,
    PRIMARY KEY (run_id, key)
);
CREATE TABLE IF NOT EXISTS state (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (namespace, key)
);
CREATE TABLE IF NOT EXISTS vectors (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    dim INTEGER NOT NULL,
    data BLOB NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS errors_by_run ON errors(run_id);
"""

KEY_VERSION = 1
# The tables (and the columns of `calls`) that make a file recognisably a distillscope store.
_OWN_TABLES = {"calls", "errors", "runs", "run_calls", "state"}
_KEYS_PER_QUERY = 500  # bound variables per query: well under the SQLite builds' smallest limit (999)
_CALL_COLUMNS = {"key", "kind", "model", "identity", "request", "response"}
_STORE_HINT = "expected a distillscope SQLite store, or a path where one can be made"


def call_key(kind: str, identity: dict[str, Any], params: dict[str, Any], request: Any, sample_index: int = 0) -> str:
    """The hash that says two calls must give the same answer."""
    material = {
        "v": KEY_VERSION,
        "kind": kind,
        "identity": identity,
        "params": params,
        "request": request,
        "sample": sample_index,
    }
    canonical = json.dumps(material, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def new_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)


@dataclass(frozen=True)
class RunInfo:
    id: str
    command: str
    started_at: float
    finished_at: float | None
    status: str
    calls: int
    cached: int
    errors: int
    summary: dict[str, Any] | None


class RunStore:
    """The run store at `path`, made if missing. With `readonly=True` (for commands that only look)
    nothing is ever written, and a missing store is an error rather than a new, empty one."""

    def __init__(self, path: Path | str, *, readonly: bool = False) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise InputError("is a folder", path=self.path, hint=_STORE_HINT)
        if readonly and not self.path.exists():
            raise InputError(
                "no run store here", path=self.path, hint="check --store (or DISTILLSCOPE_STORE); runs make the store"
            )
        if not readonly:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise InputError(f"cannot make the run store: {exc.strerror or exc}", path=self.path) from None
        try:
            self._db = self._connect(readonly)
        except sqlite3.DatabaseError as exc:
            raise InputError(f"cannot open the run store: {exc}", path=self.path, hint=_STORE_HINT) from None
        self._db.row_factory = sqlite3.Row

    def _connect(self, readonly: bool) -> sqlite3.Connection:
        mode = "ro" if readonly else "rwc"
        db = sqlite3.connect(
            f"{self.path.resolve().as_uri()}?mode={mode}", uri=True, timeout=30.0, isolation_level=None
        )
        try:
            self._refuse_foreign(db)
            if readonly:
                return db
            # WAL and the tables come after the schema check: a file of another schema is not touched.
            _use_wal(db)
            # NORMAL in WAL mode survives any process kill; only an OS crash can drop the last commits.
            db.execute("PRAGMA synchronous=NORMAL")
            # The tables are made in one transaction, taken at once: a store that cannot be written
            # says so now, not at the first answer, and processes that open a new store together
            # (the ranks of a launcher) see none of its tables or all of them, never a half-made
            # schema, which would read as a file of another schema.
            db.executescript(f"BEGIN IMMEDIATE;\n{SCHEMA}\nCOMMIT;")
        except BaseException:
            db.close()
            raise
        return db

    def _refuse_foreign(self, db: sqlite3.Connection) -> None:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        tables.discard("sqlite_sequence")
        if not tables:
            return
        columns = {row[1] for row in db.execute("PRAGMA table_info(calls)")}
        if not {"calls", "runs"} <= tables or not columns >= _CALL_COLUMNS:
            found = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
            raise InputError(
                f"an SQLite file of another schema (tables: {found}); it was left untouched",
                path=self.path,
                hint="expected a distillscope run store; give --store a new path",
            )

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """One transaction; a store that stops accepting writes (read-only, disk full) is one clear error."""
        try:
            with self._db:
                self._db.execute("BEGIN")
                yield
        except sqlite3.OperationalError as exc:
            raise InputError(f"cannot write to the run store: {exc}", path=self.path) from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def journal_mode(self) -> str:
        return self._db.execute("PRAGMA journal_mode").fetchone()[0]

    # ------------------------------------------------------------------ calls
    def lookup(self, key: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT response FROM calls WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row["response"])

    def lookup_many(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The stored responses of those keys the store holds, in a few queries rather than one per key."""
        found: dict[str, dict[str, Any]] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), _KEYS_PER_QUERY):
            part = unique[start : start + _KEYS_PER_QUERY]
            marks = ",".join("?" * len(part))
            for row in self._db.execute(f"SELECT key, response FROM calls WHERE key IN ({marks})", part):
                found[row["key"]] = json.loads(row["response"])
        return found

    def record_hits(self, run_id: str, keys: Sequence[str]) -> None:
        """Many answers from the store noted against a run in one transaction (a commit each cost a
        rerun of 6,800 answers 2 s)."""
        now = time.time()
        with self._writing():
            self._db.executemany(
                "INSERT OR IGNORE INTO run_calls VALUES (?,?,?,?)", [(run_id, k, 1, now) for k in keys]
            )

    def record_call(
        self,
        *,
        key: str,
        kind: str,
        model: str,
        identity: dict[str, Any],
        request: dict[str, Any],
        response: dict[str, Any],
        prompt_tokens: int,
        completion_tokens: int,
        latency_s: float,
        attempts: int,
        run_id: str | None,
    ) -> None:
        now = time.time()
        with self._writing():
            self._db.execute(
                "INSERT OR REPLACE INTO calls VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    key,
                    kind,
                    redact(model),
                    _dump_redacted(identity),
                    _dump_redacted(request),
                    _dump(response),  # a reply keeps every byte: it is data
                    prompt_tokens,
                    completion_tokens,
                    latency_s,
                    attempts,
                    now,
                    run_id,
                ),
            )
            if run_id is not None:
                self._db.execute("INSERT OR REPLACE INTO run_calls VALUES (?,?,?,?)", (run_id, key, 0, now))

    def record_hit(self, run_id: str, key: str) -> None:
        self.record_hits(run_id, [key])

    def record_error(
        self, *, key: str, kind: str, model: str, request: dict[str, Any], error: BaseException, run_id: str | None
    ) -> None:
        with self._writing():
            self._db.execute(
                "INSERT INTO errors (key, kind, model, request, error_type, message, created_at, run_id) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (
                    key,
                    kind,
                    redact(model),
                    _dump_redacted(request),
                    type(error).__name__,
                    redact(str(error)),
                    time.time(),
                    run_id,
                ),
            )

    def first_error(self, run_ids: list[str]) -> str | None:
        """The first failed call's (redacted) message among these runs: what a failed run's error line quotes."""
        if not run_ids:
            return None
        marks = ",".join("?" * len(run_ids))
        row = self._db.execute(
            f"SELECT message FROM errors WHERE run_id IN ({marks}) ORDER BY id LIMIT 1", run_ids
        ).fetchone()
        return None if row is None else row["message"]

    def count_calls(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM calls").fetchone()[0]

    # ------------------------------------------------------------------ state
    def put_state(self, namespace: str, key: str, value: Any) -> None:
        """Save a job's resumable state (a fuzz tree, a cursor) as JSON, committed at once."""
        with self._writing():
            self._db.execute(
                "INSERT OR REPLACE INTO state VALUES (?,?,?,?)", (namespace, key, _dump(value), time.time())
            )

    def get_state(self, namespace: str, key: str) -> Any | None:
        row = self._db.execute("SELECT value FROM state WHERE namespace = ? AND key = ?", (namespace, key)).fetchone()
        return None if row is None else json.loads(row["value"])

    # ---------------------------------------------------------------- vectors
    def get_vectors(self, keys: list[str]) -> dict[str, bytes]:
        """Stored vectors (float32 bytes) by key: embeddings of texts, computed once."""
        found: dict[str, bytes] = {}
        for lo in range(0, len(keys), 500):
            chunk = keys[lo : lo + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT key, data FROM vectors WHERE key IN ({marks})", chunk).fetchall()
            found.update({row["key"]: row["data"] for row in rows})
        return found

    def put_vectors(self, model: str, rows: list[tuple[str, bytes, int]]) -> None:
        """Save (key, float32 bytes, dimension) rows in one commit."""
        now = time.time()
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?,?,?,?,?)", [(k, model, d, b, now) for k, b, d in rows]
            )

    # ------------------------------------------------------------------- runs
    def start_run(self, command: str, config: dict[str, Any] | None = None) -> str:
        run_id = new_run_id()
        with self._writing():
            self._db.execute(
                "INSERT INTO runs (id, command, config, started_at, status) VALUES (?,?,?,?,?)",
                (run_id, command, _dump_redacted(config or {}), time.time(), "running"),
            )
        return run_id

    def finish_run(self, run_id: str, status: str, summary: dict[str, Any] | None = None) -> None:
        with self._writing():
            self._db.execute(
                "UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE id = ?",
                (time.time(), status, _dump_redacted(summary) if summary is not None else None, run_id),
            )

    def runs(self, limit: int = 50, run_id: str | None = None) -> list[RunInfo]:
        """Newest first. `run_id` may be a full id or its unique suffix."""
        where, args = ("WHERE r.id = ? OR r.id LIKE ?", [run_id, f"%{run_id}"]) if run_id else ("", [])
        rows = self._db.execute(
            f"""
            SELECT r.*,
              (SELECT COUNT(*) FROM run_calls c WHERE c.run_id = r.id) AS calls,
              (SELECT COUNT(*) FROM run_calls c WHERE c.run_id = r.id AND c.cached = 1) AS cached,
              (SELECT COUNT(*) FROM errors e WHERE e.run_id = r.id) AS errors
            FROM runs r {where} ORDER BY r.started_at DESC LIMIT ?
            """,
            (*args, limit),
        ).fetchall()
        return [_run_info(row) for row in rows]

    def run(self, run_id: str) -> RunInfo:
        found = self.runs(limit=2, run_id=run_id)
        if len(found) != 1:
            problem = "no run" if not found else "more than one run matches"
            raise InputError(
                f"{problem} {run_id!r} in this store", path=self.path, hint="`distillscope runs list` shows the runs"
            )
        return found[0]

    def export_run(self, run_id: str) -> Iterator[dict[str, Any]]:
        """Every call a run used (made or answered from the store) and every error it met."""
        run_id = self.run(run_id).id
        for row in self._db.execute(
            """
            SELECT c.*, rc.cached AS was_cached FROM run_calls rc JOIN calls c ON c.key = rc.key
            WHERE rc.run_id = ? ORDER BY rc.at
            """,
            (run_id,),
        ):
            yield {
                "run_id": run_id,
                "status": "ok",
                "key": row["key"],
                "kind": row["kind"],
                "model": row["model"],
                "identity": json.loads(row["identity"]),
                "request": json.loads(row["request"]),
                "response": json.loads(row["response"]),
                "usage": {"prompt_tokens": row["prompt_tokens"], "completion_tokens": row["completion_tokens"]},
                "latency_s": row["latency_s"],
                "attempts": row["attempts"],
                "cached": bool(row["was_cached"]),
                "created_at": row["created_at"],
            }
        for row in self._db.execute("SELECT * FROM errors WHERE run_id = ? ORDER BY id", (run_id,)):
            yield {
                "run_id": run_id,
                "status": "error",
                "key": row["key"],
                "kind": row["kind"],
                "model": row["model"],
                "request": json.loads(row["request"]),
                "error": {"type": row["error_type"], "message": row["message"]},
                "created_at": row["created_at"],
            }


def _use_wal(db: sqlite3.Connection, patience_s: float = 30.0) -> None:
    """Switch to WAL mode, waiting for processes that open the same new store at the same moment.

    The switch needs the file alone for an instant, and SQLite answers "locked" at once rather
    than through the connection's timeout; so it is tried again, for as long as that timeout."""
    deadline = time.monotonic() + patience_s
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _dump_redacted(value: Any) -> str:
    """Everything stored but a reply: a spec, a config or a request may hold a credential (a URL's)."""
    return redact(_dump(value))


def _run_info(row: sqlite3.Row) -> RunInfo:
    return RunInfo(
        id=row["id"],
        command=row["command"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        status=row["status"],
        calls=row["calls"],
        cached=row["cached"],
        errors=row["errors"],
        summary=json.loads(row["summary"]) if row["summary"] else None,
    )
