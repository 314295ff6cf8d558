"""Writing results (careersim.core.files): JSON-safe values, atomic files and atomic output folders."""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from careersim.core import files
from careersim.core.files import (
    atomic_output,
    json_text,
    jsonable,
    write_bytes,
    write_json,
    write_text,
)

# -- JSON-safe values ----------------------------------------------------------


def test_jsonable_turns_numpy_and_non_finite_numbers_into_plain_json() -> None:
    data = {
        1: np.float64(0.25),
        "nan": float("nan"),
        "inf": np.float32("inf"),
        "minus_inf": -math.inf,
        "int": np.int64(7),
        "bool": np.bool_(False),
        "text": np.str_("x"),
        "tuple": (1, np.int32(2)),
        "array": np.array([[1.5, np.nan], [3.0, 4.0]]),
        "nested": {"k": [np.float64("nan")]},
        "none": None,
    }
    out = jsonable(data)
    assert out == {
        "1": 0.25,
        "nan": None,
        "inf": None,
        "minus_inf": None,
        "int": 7,
        "bool": False,
        "text": "x",
        "tuple": [1, 2],
        "array": [[1.5, None], [3.0, 4.0]],
        "nested": {"k": [None]},
        "none": None,
    }
    assert type(out["int"]) is int and type(out["bool"]) is bool and type(out["text"]) is str
    assert type(out["1"]) is float
    json.dumps(out, allow_nan=False)  # nothing JSON cannot hold is left


def test_json_text_keeps_key_order_and_indentation() -> None:
    data = {"b": 1, "a": {"y": np.float64(2.5), "x": float("nan")}}
    assert json_text(data) == '{\n  "b": 1,\n  "a": {\n    "y": 2.5,\n    "x": null\n  }\n}'
    assert json_text(data, indent=1) == json.dumps({"b": 1, "a": {"y": 2.5, "x": None}}, indent=1)
    with pytest.raises(TypeError):
        json_text({"path": Path("x")})  # unknown objects are an error unless a default converts them
    assert json_text({"path": Path("x")}, indent=None, default=str) == '{"path": "x"}'


# -- atomic files ----------------------------------------------------------------


def test_write_json_text_and_bytes(tmp_path: Path) -> None:
    path = write_json(tmp_path / "a.json", {"x": np.int64(1)})
    assert path.read_text() == '{\n  "x": 1\n}\n'
    write_json(tmp_path / "b.json", {"x": 1}, newline=False)
    assert (tmp_path / "b.json").read_text() == '{\n  "x": 1\n}'
    write_text(tmp_path / "c.txt", "caf\u00e9")
    assert (tmp_path / "c.txt").read_bytes() == "caf\u00e9".encode("utf-8")
    write_bytes(tmp_path / "c.txt", b"replaced")
    assert (tmp_path / "c.txt").read_bytes() == b"replaced"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.json", "c.txt"]  # no temporary file left


def test_written_files_get_the_usual_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        write_text(tmp_path / "p.txt", "x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "p.txt").stat().st_mode) == 0o644


def test_write_creates_parent_folders(tmp_path: Path) -> None:
    write_text(tmp_path / "new" / "deeper" / "x.html", "<p>")
    assert (tmp_path / "new" / "deeper" / "x.html").read_text() == "<p>"


class Interrupted(BaseException):
    pass


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = tmp_path / "keep.json"
    old.write_text("old")

    def fail(*args, **kwargs):
        raise Interrupted()

    monkeypatch.setattr(files.os, "replace", fail)
    with pytest.raises(Interrupted):
        write_text(old, "new")
    with pytest.raises(Interrupted):
        write_text(tmp_path / "made" / "for" / "it.txt", "new")
    assert old.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.json"]  # no temporary file, no folder made for it


def test_json_that_cannot_be_written_leaves_no_file(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        write_json(tmp_path / "x.json", {"bad": object()})
    assert list(tmp_path.iterdir()) == []


# -- atomic output folders --------------------------------------------------------


def test_atomic_output_success_and_replace(tmp_path: Path) -> None:
    final = tmp_path / "reports" / "x"
    with atomic_output(final) as tmp:
        assert tmp.parent == final.parent and not final.exists()
        (tmp / "a.txt").write_text("1")
    assert (final / "a.txt").read_text() == "1"
    with atomic_output(final) as tmp:
        (tmp / "b.txt").write_text("2")
        assert (final / "a.txt").exists()  # the old one stays until the new one is complete
    assert sorted(p.name for p in final.iterdir()) == ["b.txt"]
    assert sorted(p.name for p in final.parent.iterdir()) == ["x"]


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_atomic_output_failure_leaves_nothing(tmp_path: Path, exc: type[BaseException]) -> None:
    final = tmp_path / "new" / "deeper" / "x"
    with pytest.raises(exc), atomic_output(final) as tmp:
        (tmp / "half.txt").write_text("half")
        raise exc()
    assert not (tmp_path / "new").exists()
    existing = tmp_path / "old"
    existing.mkdir()
    (existing / "keep.txt").write_text("keep")
    with pytest.raises(exc), atomic_output(existing) as tmp:
        raise exc()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert (existing / "keep.txt").read_text() == "keep"


def test_atomic_output_refuses_a_file_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("a file")
    with pytest.raises(FileExistsError), atomic_output(tmp_path / "x"):
        pass
    assert (tmp_path / "x").read_text() == "a file"


# -- provenance -------------------------------------------------------------------


def test_provenance_parts() -> None:
    import re

    import pandas as pd

    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", files.utc_now())
    versions = files.software("pandas")
    assert list(versions) == ["python", "numpy", "pandas", "platform"]  # the order results files have always used
    assert versions["pandas"] == pd.__version__ and versions["numpy"] == np.__version__
    assert files.command_line().split()[0]  # the program this process was started as


def test_a_folder_of_agent_parts_reads_as_one_dataset_whatever_each_parts_categories(tmp_path: Path) -> None:
    """Each replication's agents are one Parquet part; a part whose text column has more than
    127 categories (pandas then uses wider codes) must still read with the others as one table."""
    import pandas as pd

    from careersim.experiments.experiment import write_parquet

    folder = tmp_path / "agents.parquet"
    folder.mkdir()
    few = pd.DataFrame({"replication": [0, 0], "path": pd.Categorical(["a", "b"])})
    many = pd.DataFrame({"replication": [1] * 200, "path": pd.Categorical([f"p{i}" for i in range(200)])})
    write_parquet(few, folder / "part-000000.parquet", {"seed": 1})
    write_parquet(many, folder / "part-000001.parquet", {"seed": 1})
    back = pd.read_parquet(folder)
    assert len(back) == 202
    assert back["path"].astype(str).tolist() == ["a", "b"] + [f"p{i}" for i in range(200)]
