"""Recipe cards, cooking with undo and the shopping list over HTTP: the REST endpoints, then the same
through the Kitchen page's forms (CSRF, redirects, state kept server-side across reloads)."""

from __future__ import annotations

import json
import re
from contextlib import closing
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from localgenie.kitchen import corpus, db
from localgenie.kitchen.cooking import load_recipe
from localgenie.kitchen.nutrition import recipe_nutrition
from localgenie.web import WebSettings

FRITTATA = {
    "title": "Spinach Frittata",
    "servings": 4,
    "total_time_min": 25,
    "ingredients": ["8 eggs", "2 cups spinach", "100 g feta", "1 onion", "salt to taste", "---"],
    "directions": ["Whisk the eggs.", "Wilt the spinach, add the eggs and feta, bake 20 minutes."],
}
PANCAKES = {
    "title": "Pancakes",
    "ingredients": ["2 eggs", "1 1/2 cups milk", "1 cup flour"],
    "directions": ["Mix.", "Fry."],
}


def import_recipes(path: Path, tmp: Path, *recipes: dict[str, object]) -> dict[str, int]:
    """Import ``recipes`` into the kitchen database at ``path``; their ids by title."""
    source = tmp / "recipes.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in recipes))
    conn = db.connect(path)
    try:
        corpus.import_file(conn, source)
        return {str(t): int(i) for i, t in conn.execute("SELECT id, title FROM recipes")}
    finally:
        conn.close()


@pytest.fixture
def ids(settings: WebSettings, tmp_path: Path) -> dict[str, int]:
    assert settings.kitchen_db is not None
    return import_recipes(settings.kitchen_db, tmp_path, FRITTATA, PANCAKES)


def _stock(client: TestClient) -> dict[str, int]:
    items = [{"name": "eggs", "quantity": 12}, {"name": "feta", "quantity": 100, "unit": "g"}]
    response = client.post("/api/pantry", json={"items": items})
    assert response.status_code == 201, response.text
    return {i["canonical"]: i["id"] for i in response.json()}


def _quantity(client: TestClient, item_id: int) -> float | None:
    response = client.get(f"/api/pantry/{item_id}")
    return None if response.status_code == 404 else float(response.json()["quantity"])


def test_recipe_card_marks_ingredients_and_lists_what_nutrition_could_not_count(
    client: TestClient, ids: dict[str, int], settings: WebSettings
) -> None:
    assert settings.kitchen_db is not None
    _stock(client)
    card = client.get(f"/api/kitchen/recipes/{ids['Spinach Frittata']}")
    assert card.status_code == 200, card.text
    body = card.json()
    marks = {i["text"]: i["mark"] for i in body["ingredients"]}
    assert marks == {
        "8 eggs": "have",
        "2 cups spinach": "missing",
        "100 g feta": "have",
        "1 onion": "missing",
        "salt to taste": "staple",
        "---": "other",
    }
    assert body["servings"] == 4 and body["total_time_min"] == 25
    assert body["directions"][0] == "Whisk the eggs."
    nutrition = body["nutrition"]
    with closing(db.connect(settings.kitchen_db)) as conn:
        recipe = load_recipe(conn, ids["Spinach Frittata"])
    expected = recipe_nutrition([(x.text, x.quantity, x.unit, x.key) for x in recipe.lines], 4)
    assert nutrition["per_serving"]["kcal"] == round(expected.per_serving["kcal"], 1)
    # SR26: 8 eggs x 50 g x 143 kcal/100 g, 100 g feta x 264, 2 cups spinach x 30 g x 23, 1 onion x 110 g x 40
    assert nutrition["per_serving"]["kcal"] == pytest.approx((572 + 264 + 13.8 + 44) / 4, rel=0.03)
    assert {u["text"] for u in nutrition["unmatched"]} == {"salt to taste", "---"}
    assert nutrition["counted"] == 4
    assert {m["name"] for m in body["missing"]} == {"spinach", "onion"}

    doubled = client.get(f"/api/kitchen/recipes/{ids['Spinach Frittata']}", params={"servings": 8}).json()
    assert doubled["factor"] == 2 and doubled["ingredients"][0]["quantity"] == 16
    assert doubled["ingredients"][0]["mark"] == "short"  # 16 eggs wanted, 12 in the pantry
    assert doubled["nutrition"]["per_serving"] == nutrition["per_serving"]  # per serving, whatever the batch


def test_recipe_card_errors(client: TestClient, ids: dict[str, int]) -> None:
    assert client.get("/api/kitchen/recipes/999999").status_code == 404
    assert client.get(f"/api/kitchen/recipes/{2**63}").status_code == 422  # not a SQLite row id
    assert "no recipe with id 999999" in client.get("/api/kitchen/recipes/999999").json()["message"]
    pancakes = ids["Pancakes"]
    no_base = client.get(f"/api/kitchen/recipes/{pancakes}", params={"servings": 2})
    assert no_base.status_code == 400 and "does not say how many it serves" in no_base.json()["message"]
    assert client.get(f"/api/kitchen/recipes/{pancakes}", params={"scale": 2}).status_code == 200
    assert client.get(f"/api/kitchen/recipes/{pancakes}", params={"servings": -1}).status_code == 422
    both = client.get(f"/api/kitchen/recipes/{pancakes}", params={"servings": 2, "scale": 2})
    assert both.status_code == 400 and "not both" in both.json()["message"]


def test_cook_takes_from_the_pantry_and_undo_gives_it_back(client: TestClient, ids: dict[str, int]) -> None:
    stock = _stock(client)
    before = client.get("/api/pantry").json()
    cooked = client.post("/api/kitchen/cook", json={"recipe_id": ids["Spinach Frittata"], "servings": 2})
    assert cooked.status_code == 200, cooked.text
    body = cooked.json()
    assert body["factor"] == 0.5 and body["title"] == "Spinach Frittata"
    taken = {t["name"]: (t["quantity"], t["left"]) for t in body["taken"]}
    assert taken == {"eggs": (4, 8), "feta": (50, 50)}
    assert {m["name"] for m in body["missing"]} == {"spinach", "onion"}
    assert _quantity(client, stock["egg"]) == 8 and _quantity(client, stock["feta"]) == 50

    undone = client.post("/api/kitchen/undo")
    assert undone.status_code == 200
    assert undone.json() == {"recipe_id": ids["Spinach Frittata"], "title": "Spinach Frittata"}
    assert client.get("/api/pantry").json() == before
    nothing = client.post("/api/kitchen/undo")
    assert nothing.status_code == 409 and "nothing to undo" in nothing.json()["message"]


def test_bad_cook_requests_are_refused_and_take_nothing(client: TestClient, ids: dict[str, int]) -> None:
    _stock(client)
    before = client.get("/api/pantry").json()
    frittata, pancakes = ids["Spinach Frittata"], ids["Pancakes"]
    cases = [
        ({"recipe_id": 999999}, 404, "no recipe"),
        ({"recipe_id": frittata, "servings": 0}, 422, "greater than 0"),
        ({"recipe_id": frittata, "servings": "lots"}, 422, "valid number"),
        ({"recipe_id": frittata, "servings": 2, "scale": 2}, 422, "not both"),
        ({"recipe_id": pancakes, "servings": 2}, 400, "does not say how many it serves"),
        ({}, 422, "recipe_id"),
    ]
    for request, status, message in cases:
        response = client.post("/api/kitchen/cook", json=request)
        assert response.status_code == status, (request, response.text)
        assert message in response.json()["message"], (request, response.text)
    assert client.get("/api/pantry").json() == before
    assert client.post("/api/kitchen/undo").status_code == 409  # no cook was recorded either


def test_cooking_everything_removes_the_item_and_undo_restores_the_same_row(
    client: TestClient, ids: dict[str, int]
) -> None:
    stock = _stock(client)
    cooked = client.post("/api/kitchen/cook", json={"recipe_id": ids["Spinach Frittata"], "scale": 2})
    feta = next(t for t in cooked.json()["taken"] if t["name"] == "feta")
    assert feta["left"] == 0
    assert any("not enough" in w for w in cooked.json()["warnings"])  # 16 eggs wanted, 12 there
    assert _quantity(client, stock["feta"]) is None
    client.post("/api/kitchen/undo")
    assert _quantity(client, stock["feta"]) == 100  # the same id is back


def test_shopping_list_sums_recipes_and_downloads(client: TestClient, ids: dict[str, int]) -> None:
    client.post("/api/pantry", json={"items": [{"name": "eggs", "quantity": 4}]})
    wanted = [{"recipe_id": ids["Spinach Frittata"]}, {"recipe_id": ids["Pancakes"], "scale": 2}]
    response = client.post("/api/kitchen/shopping-list", json={"recipes": wanted})
    assert response.status_code == 200, response.text
    items = {i["name"]: i for i in response.json()["items"]}
    # eggs: 8 + 2 x 2 wanted, 4 in the pantry, counted once; flour and salt are staples
    assert items["egg"]["quantity"] == pytest.approx(8)
    assert items["milk"]["quantity"] == pytest.approx(3) and items["milk"]["unit"] == "cup"
    assert set(items) == {"egg", "spinach", "feta", "onion", "milk"}
    assert items["egg"]["recipes"] == ["Spinach Frittata", "Pancakes"]

    md = client.post("/api/kitchen/shopping-list", json={"recipes": wanted, "format": "markdown"})
    assert md.headers["content-type"].startswith("text/markdown")
    assert 'filename="shopping-list.md"' in md.headers["content-disposition"]
    assert "- [ ] milk — 3 cups (Pancakes)" in md.text
    csv_ = client.post("/api/kitchen/shopping-list", json={"recipes": wanted, "format": "csv"})
    assert csv_.headers["content-type"].startswith("text/csv")
    assert csv_.text.startswith("item,quantity,unit,for\n") and "onion,1,piece,Spinach Frittata" in csv_.text

    for bad, status in [
        ({"recipes": []}, 422),
        ({"recipes": [{"recipe_id": 999999}]}, 404),
        ({"recipes": wanted, "format": "pdf"}, 422),
        ({"recipes": [{"recipe_id": ids["Pancakes"], "servings": 3}]}, 400),
    ]:
        assert client.post("/api/kitchen/shopping-list", json=bad).status_code == status, bad


# ------------------------------------------------------------------ the same through the page


def _csrf(client: TestClient, path: str = "/kitchen") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


def test_page_cook_shows_what_was_taken_after_a_reload_and_undo_restores(
    client: TestClient, ids: dict[str, int]
) -> None:
    stock = _stock(client)
    frittata = ids["Spinach Frittata"]
    suggestions = client.get("/kitchen", params={"suggest": 1}).text
    assert f'href="/kitchen/recipes/{frittata}"' in suggestions  # each suggestion opens its card
    card = client.get(f"/kitchen/recipes/{frittata}")
    assert card.status_code == 200
    assert 'id="nutrition"' in card.text and "---" in card.text and "✗ missing" in card.text
    token = _csrf(client, f"/kitchen/recipes/{frittata}")

    refused = client.post(f"/kitchen/recipes/{frittata}/cook", data={"servings": "2"})
    assert refused.status_code == 403 and _quantity(client, stock["egg"]) == 12  # no CSRF token, no cook

    cooked = client.post(
        f"/kitchen/recipes/{frittata}/cook",
        data={"servings": "2", "csrf_token": token},
        follow_redirects=False,
    )
    assert cooked.status_code == 303
    location = cooked.headers["location"]
    assert re.fullmatch(rf"/kitchen/recipes/{frittata}\?servings=2&cooked=\d+", location)
    for _ in range(2):  # the result is stored: a reload shows it again and cooks nothing more
        shown = client.get(location).text
        assert re.search(r"took <b class=\"qty\">4 piece</b> eggs", shown)
        assert _quantity(client, stock["egg"]) == 8
    assert "Undo last cook" in client.get("/kitchen").text

    undone = client.post(
        "/kitchen/undo", data={"back": "recipe", "csrf_token": token}, follow_redirects=False
    )
    assert undone.headers["location"] == f"/kitchen/recipes/{frittata}?undone=1"
    assert _quantity(client, stock["egg"]) == 12
    assert "Cooked, then undone" in client.get(location).text
    again = client.post("/kitchen/undo", data={"csrf_token": token})
    assert again.status_code == 409 and "nothing to undo" in again.text


def test_page_shopping_list_survives_a_reload_and_downloads(client: TestClient, ids: dict[str, int]) -> None:
    token = _csrf(client)
    for title, extra in (("Spinach Frittata", {"servings": "8"}), ("Pancakes", {})):
        added = client.post(
            "/kitchen/shopping",
            data={"recipe_id": str(ids[title]), "action": "add", "csrf_token": token, **extra},
            follow_redirects=False,
        )
        assert added.status_code == 303, added.text
    page = client.get("/kitchen").text
    assert 'id="shopping-items"' in page and "Pancakes" in page
    items = re.findall(r'<span class="name">([^<]+)</span>', page)
    assert items == ["egg", "feta", "milk", "onion", "spinach"]
    assert "egg</span> — 18 piece" in page  # 16 for 8 servings + 2 for the pancakes, none in the pantry
    md = client.get("/kitchen/shopping-list.md")
    assert md.status_code == 200 and "attachment" in md.headers["content-disposition"]
    assert "- [ ] egg — 18 (Spinach Frittata, Pancakes)" in md.text
    assert client.get("/kitchen/shopping-list.csv").text.count("\n") == 6  # header + 5 items

    client.post(
        "/kitchen/shopping",
        data={"recipe_id": str(ids["Pancakes"]), "action": "remove", "csrf_token": token},
    )
    assert "- [ ] milk" not in client.get("/kitchen/shopping-list.md").text
    bad = client.post(
        "/kitchen/shopping",
        data={"recipe_id": str(ids["Pancakes"]), "action": "add", "servings": "2", "csrf_token": token},
    )
    assert bad.status_code == 400 and "does not say how many it serves" in bad.text
    assert "Pancakes" not in client.get("/kitchen").text.split('id="shopping"')[1]
