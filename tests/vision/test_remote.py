"""The vision-server path, as a protocol test against a local fake OpenAI-compatible server: the photo
goes out as an ``image_url`` content part beside the schema, and only schema-valid answers come back.
This checks the request shape and the answer handling, not recognition quality (that is the embedded
recogniser's job, tested on real photos in test_recognise.py)."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from localgenie.errors import SchemaViolation
from localgenie.llm.openai_compat import OpenAICompatBackend
from localgenie.vision import recognise_remote
from tests.llm.fake_server import Reply, completion, fake_server

ANSWER = {
    "items": [
        {"name": "Milk", "confidence": 0.93, "count": 2},
        {"name": "red bell pepper", "confidence": 0.81},
        {"name": "butter", "confidence": 0.42},
        {"name": "napkin ring", "confidence": 0.1},
    ]
}


@pytest.fixture
def fridge(tmp_path: Path) -> Path:
    path = tmp_path / "fridge.jpg"
    Image.effect_noise((2000, 1500), 40).convert("RGB").save(path, quality=85)
    return path


def _user_message(request: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = request["body"]["messages"][1]
    return message


def test_a_fridge_photo_goes_to_the_server_and_comes_back_as_ingredients(fridge: Path) -> None:
    with fake_server(lambda path, body: completion(json.dumps(ANSWER))) as (url, requests):
        result = recognise_remote([fridge], OpenAICompatBackend(url, model="llava"))

    assert [(f.ingredient, f.status) for f in result.items] == [
        ("milk", "likely"),
        ("red bell pepper", "likely"),
        ("butter", "maybe"),
    ], "names normalised, low confidence shown as maybe, lower still dropped"
    assert result.items[0].quantity == 2

    [request] = requests
    assert request["path"] == "/v1/chat/completions"
    body = request["body"]
    assert body["model"] == "llava"
    content = _user_message(request)["content"]
    assert isinstance(content, list) and content[0]["type"] == "text"
    image_part = content[1]
    assert image_part["type"] == "image_url"
    prefix = "data:image/jpeg;base64,"
    assert image_part["image_url"]["url"].startswith(prefix)
    sent = Image.open(io.BytesIO(base64.b64decode(image_part["image_url"]["url"][len(prefix) :])))
    assert sent.format == "JPEG" and max(sent.size) <= 1024, "photos are sent bounded in size"
    assert not sent.getexif(), "no EXIF (and so no location) leaves the machine"
    schema = body["response_format"]["json_schema"]["schema"]
    assert body["response_format"]["type"] == "json_schema"
    assert schema["properties"]["items"]["type"] == "array"
    assert body["messages"][0]["role"] == "system" and isinstance(body["messages"][0]["content"], str)


def test_an_answer_that_breaks_the_schema_is_retried_with_the_problem(fridge: Path) -> None:
    answers = [json.dumps({"items": [{"name": "milk", "confidence": 7}]}), json.dumps(ANSWER)]

    def handler(path: str, body: dict[str, Any] | None) -> Reply:
        return completion(answers.pop(0))

    with fake_server(handler) as (url, requests):
        result = recognise_remote([fridge], OpenAICompatBackend(url, model="gpt-4o"))
    assert result.items[0].ingredient == "milk"
    retry = requests[1]["body"]["messages"]
    assert retry[2]["role"] == "assistant" and "confidence" in retry[3]["content"]
    assert retry[1]["content"][1]["type"] == "image_url", "the retry still carries the photo"


def test_a_server_that_never_answers_valid_json_gives_a_clear_error(fridge: Path) -> None:
    with (
        fake_server(lambda path, body: completion("I see milk and eggs!")) as (url, _),
        pytest.raises(SchemaViolation, match="no schema-valid ingredient list"),
    ):
        recognise_remote([fridge], OpenAICompatBackend(url, model="moondream"))


def test_duplicate_names_across_photos_are_merged(fridge: Path, tmp_path: Path) -> None:
    second = tmp_path / "shelf.png"
    Image.new("RGB", (300, 200), (10, 200, 10)).save(second)
    with fake_server(lambda path, body: completion(json.dumps(ANSWER))) as (url, requests):
        result = recognise_remote([fridge, second], OpenAICompatBackend(url, model="llava"))
    assert len(requests) == 2
    assert [f.ingredient for f in result.items].count("milk") == 1
    assert result.items[0].regions == 2
    per_photo = result.by_photo()
    assert [source for source, _ in per_photo] == [str(fridge), str(second)]
    assert all(
        [f.ingredient for f in found] == ["milk", "red bell pepper", "butter"] for _, found in per_photo
    )
    assert [f.photo for f in per_photo[1][1]] == [str(second)] * 3
