"""The results store of a sweep: a folder that loses nothing and never duplicates a row.

Layout of an output folder::

    manifest.json          what the sweep is (factors, design, seeds, outcomes, provenance)
    sweep.yaml             the sweep file as given
    base_scenario.json     the normalised base scenario (for replay)
    points.parquet         one row per design point: factor values and unit coordinates
    chunks/chunk-*.parquet results, one row per (point, replication), appended in chunks
    ledger.jsonl           one line per committed chunk: its file and the run keys in it

Every run has a content-derived key: the SHA-256 of (base scenario hash,
point values, replication, root seed). A chunk is committed in this order:
write it to a temporary file, fsync, rename it into ``chunks/``, fsync the
folder, then append its ledger line and fsync the ledger. A reader trusts
only chunks named in the ledger and keeps the first row of each key, so a
process killed at any moment loses at most the runs not yet committed and
never leaves a corrupt or duplicated row. Each ledger line starts with a
newline, so a line torn by a crash cannot swallow the next one; torn lines
are skipped.

Several processes (shards) may write into the same folder at once: chunk
names are unique and each ledger line is one ``O_APPEND`` write.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import os
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from careersim import __version__
from careersim.core.files import (
    UnreadableResults,
    command_line,
    read_results_json,
    software,
    unreadable,
    utc_now,
    write_bytes,
    write_json,
    write_text,
)

__all__ = ["Store", "StoreError", "run_key", "point_seed", "read_results", "ID_COLUMNS"]

MANIFEST = "manifest.json"
LEDGER = "ledger.jsonl"
CHUNKS = "chunks"
POINTS = "points.parquet"
BASE = "base_scenario.json"
SOURCE = "sweep.yaml"
ID_COLUMNS = ("point", "replication", "key", "seed")
FORMAT = 1


#: what every manifest careersim writes holds (a damaged one is refused, not half read)
MANIFEST_KEYS = ("identity", "factors", "design", "outcomes", "replications", "seed")


class StoreError(Exception):
    """A problem with a sweep's output folder that the user can fix."""


# ---------------------------------------------------------------------------
# keys and seeds
# ---------------------------------------------------------------------------


def _canonical(values: dict) -> str:
    return json.dumps({k: values[k] for k in sorted(values)}, sort_keys=True, separators=(",", ":"))


def run_key(base_hash: str, values: dict, replication: int, root_seed: int) -> str:
    """The content-derived key of one run."""
    blob = f'{{"base":"{base_hash}","point":{_canonical(values)},"replication":{int(replication)},"seed":{int(root_seed)}}}'
    return hashlib.sha256(blob.encode()).hexdigest()


def point_seed(base_hash: str, values: dict, root_seed: int) -> int:
    """A point's own root seed (``seeding: independent``), derived from its content."""
    blob = f'{{"base":"{base_hash}","point":{_canonical(values)},"seed":{int(root_seed)}}}'
    return int(hashlib.sha256(blob.encode()).hexdigest()[:15], 16)


# ---------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------


def _write_manifest(path: Path, manifest: dict) -> None:
    # no newline at the end, as the format has always been written; values JSON cannot hold are written as text
    write_json(path, manifest, indent=2, newline=False, default=str)


def _arrow_table(rows: list[dict]):
    """A pyarrow table with explicit types: ids int64, text as strings, the rest float64."""
    import pyarrow as pa

    names: list[str] = []
    seen: set[str] = set()
    for row in rows:
        for k in row:
            if k not in seen:
                seen.add(k)
                names.append(k)
    arrays = {}
    for name in names:
        values = [row.get(name) for row in rows]
        if name in ("point", "replication", "seed"):
            arrays[name] = pa.array(values, type=pa.int64())
        elif name in ("key", "error") or any(isinstance(v, str) for v in values):
            arrays[name] = pa.array([None if v is None else str(v) for v in values], type=pa.string())
        else:
            arrays[name] = pa.array([np.nan if v is None else float(v) for v in values], type=pa.float64())
    return pa.table(arrays)


# ---------------------------------------------------------------------------
# the store
# ---------------------------------------------------------------------------


class Store:
    """One sweep output folder."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)
        self._manifest: dict | None = None
        self._points: pd.DataFrame | None = None

    # -- creating and opening ---------------------------------------------------
    @classmethod
    def create(
        cls,
        folder: str | os.PathLike,
        manifest: dict,
        points: pd.DataFrame,
        base_json: str,
        source: str,
        *,
        resume: bool = False,
    ) -> Store:
        """Open ``folder`` for this sweep, creating it if needed.

        A folder that already holds the same sweep (same identity) is
        continued; one holding another sweep, or other files, is refused.
        """
        store = cls(folder)
        path = store.folder
        if path.exists() and not path.is_dir():
            raise StoreError(
                f"{path} exists and is not a folder (expected a folder for the sweep's results; choose another --out)"
            )
        if (path / MANIFEST).exists():
            old = store.manifest
            if old.get("identity") != manifest["identity"]:
                raise StoreError(
                    f"{path} holds the results of a different sweep ('{old.get('name')}': its base scenario, "
                    "factors, design or seed differ); choose another --out, or remove the folder to start again"
                )
            if (
                old.get("replications") != manifest["replications"]
                or old.get("outcomes") != manifest["outcomes"]
                or old.get("regions") != manifest.get("regions")
                or old.get("outcome_goals") != manifest.get("outcome_goals")
                or old.get("outcome_names") != manifest.get("outcome_names")
            ):
                updated = {
                    **old,
                    "replications": manifest["replications"],
                    "outcomes": manifest["outcomes"],
                    "regions": manifest.get("regions", []),
                    "outcome_names": manifest.get("outcome_names", {}),
                }
                updated.pop("outcome_goals", None)
                if manifest.get("outcome_goals"):
                    updated["outcome_goals"] = manifest["outcome_goals"]
                _write_manifest(path / MANIFEST, updated)
                store._manifest = updated
            return store
        if resume:
            raise StoreError(f"{path} holds no sweep to resume (no {MANIFEST}); run without --resume to start it")
        ours = {BASE, SOURCE, POINTS, CHUNKS, LEDGER}  # another shard may be creating the folder right now
        if path.exists() and any(p for p in path.iterdir() if not p.name.startswith(".") and p.name not in ours):
            raise StoreError(
                f"{path} already holds files that are not a careersim sweep; choose another --out or remove it"
            )
        path.mkdir(parents=True, exist_ok=True)
        (path / CHUNKS).mkdir(exist_ok=True)
        write_text(path / BASE, base_json)
        write_text(path / SOURCE, source)
        buf = io.BytesIO()
        points.to_parquet(buf, index=False)
        write_bytes(path / POINTS, buf.getvalue())
        _write_manifest(path / MANIFEST, manifest)
        (path / LEDGER).touch()
        return store

    @classmethod
    def open(cls, folder: str | os.PathLike) -> Store:
        """An existing sweep folder (for analysis and replay)."""
        store = cls(folder)
        if not store.folder.is_dir():
            raise StoreError(f"{store.folder}: no such folder (expected a sweep's output folder)")
        if not (store.folder / MANIFEST).is_file():
            raise StoreError(
                f"{store.folder} is not a sweep's output folder (it has no {MANIFEST}; expected the --out folder of 'careersim sweep')"
            )
        return store

    @property
    def manifest(self) -> dict:
        if self._manifest is None:
            try:
                self._manifest = read_results_json(self.folder / MANIFEST, MANIFEST_KEYS)
            except UnreadableResults as exc:
                raise StoreError(str(exc)) from None
        return self._manifest

    @property
    def points(self) -> pd.DataFrame:
        if self._points is None:
            try:
                self._points = pd.read_parquet(self.folder / POINTS)
            except (OSError, ValueError) as exc:  # pyarrow's errors are ValueErrors (ArrowInvalid) or OSErrors
                raise StoreError(str(unreadable(self.folder / POINTS, "the sweep's points", exc))) from None
        return self._points

    @property
    def base_json(self) -> str:
        return (self.folder / BASE).read_text()

    # -- the ledger -------------------------------------------------------------
    def ledger(self) -> list[dict]:
        """Committed chunks in commit order (torn lines and missing files skipped)."""
        path = self.folder / LEDGER
        if not path.exists():
            return []
        out = []
        with open(path, "rb") as fh:
            for line in fh:
                line = line.strip()
                if not line:
                    continue
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # a line torn by a crash: its chunk is not committed
                if (
                    isinstance(entry, dict)
                    and isinstance(entry.get("chunk"), str)
                    and isinstance(entry.get("keys"), list)
                ):
                    if (self.folder / CHUNKS / entry["chunk"]).is_file():
                        out.append(entry)
        return out

    def completed(self) -> dict[str, bool]:
        """Committed run keys -> whether the run failed (every time it was run)."""
        out: dict[str, bool] = {}
        for entry in self.ledger():
            failed = set(entry.get("failed", ()))
            for key in entry["keys"]:
                out[key] = out.get(key, True) and key in failed
        return out

    def append(self, rows: list[dict]) -> None:
        """Commit rows as one chunk: temp file, fsync, rename, ledger line, fsync."""
        if not rows:
            return
        import pyarrow.parquet as pq

        name = f"chunk-{_dt.datetime.now(_dt.timezone.utc).strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:12]}.parquet"
        buf = io.BytesIO()
        pq.write_table(_arrow_table(rows), buf)
        write_bytes(self.folder / CHUNKS / name, buf.getvalue())
        entry = {
            "chunk": name,
            "rows": len(rows),
            "keys": [r["key"] for r in rows],
            "failed": [r["key"] for r in rows if r.get("error")],
        }
        line = ("\n" + json.dumps(entry, separators=(",", ":")) + "\n").encode()
        fd = os.open(self.folder / LEDGER, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    # -- reading ----------------------------------------------------------------
    def read(self) -> pd.DataFrame:
        """Every committed row, merged, deduplicated by key, sorted by (point, replication)."""
        return read_results([self])


def read_results(stores: Sequence[Store | str | os.PathLike]) -> pd.DataFrame:
    """Merge the committed chunks of one or more folders of the same sweep into one table.

    Rows are deduplicated by run key (the first committed row wins, except
    that a run retried with ``--retry-failed`` that then worked replaces its
    failure; other rows of the same key are identical anyway) and sorted by
    (point, replication).
    Columns: point, replication, key, seed, the factors (in the sweep's
    order), the metrics (by name) and ``error`` (None for a run that worked).
    """
    import pyarrow.parquet as pq

    stores = [s if isinstance(s, Store) else Store.open(s) for s in stores]
    if not stores:
        raise StoreError("no sweep folders given")
    identity = stores[0].manifest.get("identity")
    for s in stores[1:]:
        if s.manifest.get("identity") != identity:
            raise StoreError(
                f"{s.folder} holds a different sweep from {stores[0].folder} (expected shards of one sweep)"
            )
    frames = []
    for s in stores:
        for entry in s.ledger():
            chunk = s.folder / CHUNKS / entry["chunk"]
            try:
                frames.append(pq.read_table(chunk).to_pandas())
            except (OSError, ValueError) as exc:
                raise StoreError(str(unreadable(chunk, "a chunk of the sweep's runs", exc))) from None
    factors = [f["path"] for f in stores[0].manifest.get("factors", [])]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c != "key" else object) for c in ID_COLUMNS})
    table = pd.concat(frames, ignore_index=True)
    if "error" in table:  # successful rows first, otherwise in commit order
        table = table.iloc[np.argsort(table["error"].notna().to_numpy(), kind="stable")]
    table = table.drop_duplicates(subset="key", keep="first")
    table = table.sort_values(["point", "replication"], kind="stable").reset_index(drop=True)
    return _normalise(table, factors)


def _normalise(table: pd.DataFrame, factors: list[str]) -> pd.DataFrame:
    """Fixed column order and dtypes, whatever the chunking."""
    if "error" not in table:
        table["error"] = None
    rest = sorted(c for c in table.columns if c not in ID_COLUMNS and c not in factors and c != "error")
    table = table[[*ID_COLUMNS, *[f for f in factors if f in table], *rest, "error"]].copy()
    for c in ("point", "replication", "seed"):
        table[c] = table[c].astype("int64")
    for c in table.columns:
        if c in ("point", "replication", "seed"):
            continue
        col = table[c]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            table[c] = col.astype("float64")
        else:
            obj = col.astype(object)
            table[c] = obj.where(col.notna(), None)
    return table


def provenance() -> dict:
    """What a sweep's manifest records about how it was made."""
    return {
        "careersim_version": __version__,
        "date_utc": utc_now(),
        **software("pandas", "scipy"),
        "command": command_line(),
    }
