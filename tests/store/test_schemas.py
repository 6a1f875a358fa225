"""Saved schemas: save once, then the name works wherever a schema is taken."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import localgenie
from localgenie.errors import Conflict, NotFound, SchemaError
from localgenie.store import schemas as saved


def test_save_then_use_the_name_anywhere(data_dir: Path) -> None:
    schema = localgenie.schema_from_dsl("name, age int")
    entry = saved.save("person", schema)
    assert entry.path == data_dir / "schemas" / "person.json"
    assert json.loads(entry.path.read_text()) == schema  # a plain JSON Schema file
    assert localgenie.resolve_schema("person") == schema
    assert saved.names() == ["person"]
    assert [s.name for s in saved.saved_schemas()] == ["person"]


def test_an_unknown_name_lists_the_saved_ones() -> None:
    with pytest.raises(NotFound, match="no schemas are saved yet"):
        localgenie.resolve_schema("invoice")
    saved.save("person", localgenie.schema_from_dsl("name"))
    saved.save("receipt", localgenie.schema_from_dsl("total float"))
    with pytest.raises(NotFound, match="no saved schema named 'invoice'; saved: person, receipt"):
        localgenie.resolve_schema("invoice")


def test_replacing_needs_to_be_asked_for() -> None:
    saved.save("person", localgenie.schema_from_dsl("name"))
    with pytest.raises(Conflict, match="--replace"):
        saved.save("person", localgenie.schema_from_dsl("age int"))
    saved.save("person", localgenie.schema_from_dsl("age int"), replace=True)
    assert list(saved.load("person").schema["properties"]) == ["age"]


@pytest.mark.parametrize("name", ["", "1abc", "a b", "a/b", "../x", "x.json", "a" * 65])
def test_names_that_could_be_read_as_something_else_are_refused(name: str) -> None:
    with pytest.raises(SchemaError, match="cannot be a schema name"):
        saved.save(name, {"type": "object"})


def test_an_invalid_schema_is_not_saved(data_dir: Path) -> None:
    with pytest.raises(SchemaError):
        saved.save("bad", {"type": "banana"})
    assert saved.names() == []


def test_delete_and_a_broken_file() -> None:
    entry = saved.save("person", localgenie.schema_from_dsl("name"))
    saved.delete("person")
    with pytest.raises(NotFound):
        saved.delete("person")
    entry.path.write_text("{broken")
    with pytest.raises(SchemaError, match=r"saved schema 'person' .* is not valid JSON"):
        localgenie.resolve_schema("person")


def test_resolution_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    saved.save("person", localgenie.schema_from_dsl("name"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "person").write_text("age int")  # a file of that name wins over the saved name
    assert list(localgenie.resolve_schema("person")["properties"]) == ["age"]
    with pytest.raises(SchemaError, match=r"schema file not found: missing\.json"):
        localgenie.resolve_schema("missing.json")
    with pytest.raises(SchemaError, match="schema file not found"):
        localgenie.resolve_schema("schemas/person")
    with pytest.raises(SchemaError, match="must be a JSON object"):
        localgenie.resolve_schema("[1]")
    with pytest.raises(SchemaError, match="the schema is empty"):
        localgenie.resolve_schema("  ")
    bad = tmp_path / "fields.txt"
    bad.write_text("name\nage integr\n")
    with pytest.raises(SchemaError, match=r"fields.txt: concise schema, line 2, column 5: unknown type"):
        localgenie.resolve_schema(bad)
