"""KitchenGenie: a pantry with expiry dates, use-it-up suggestions over an imported recipe corpus,
cooking with undo, shopping lists, nutrition from USDA SR26, and menu-order pricing.

    from localgenie.kitchen import connect, add_items, NewItem, import_file, suggest
    conn = connect()                                   # GENIE_DB or <user data dir>/kitchen.sqlite
    add_items(conn, [NewItem("eggs", 12), NewItem("feta", 200, "g", opened=True)])
    import_file(conn, Path("recipes.jsonl.gz"))        # idempotent, resumable
    for s in suggest(conn, Filters(frozenset({"vegetarian"}))):
        print(s.title, s.why)

Everything here is plain code over SQLite; the two LLM steps (plain-words `add`, `order`) take the
extraction function as a parameter (see `extraction` and `order`).
"""

from localgenie.kitchen.cooking import aggregate, cook, load_recipe, plan, shopping_list, undo
from localgenie.kitchen.corpus import ImportReport, import_file
from localgenie.kitchen.db import connect
from localgenie.kitchen.extraction import (
    PantryExtraction,
    PantryItemDraft,
    drafts_to_items,
    extract_pantry_items,
)
from localgenie.kitchen.ingredients import ParsedIngredient, parse_line
from localgenie.kitchen.nutrition import Nutrition, recipe_nutrition
from localgenie.kitchen.order import (
    Menu,
    Order,
    OrderLine,
    PricedOrder,
    load_menu,
    order_from_text,
    price_order,
)
from localgenie.kitchen.pantry import NewItem, PantryItem, add_csv, add_items, list_items, remove_item
from localgenie.kitchen.recipe import CheckReport, Recipe, RecipeIngredient, check_recipe
from localgenie.kitchen.suggest import Filters, Suggestion, suggest

__all__ = [
    "CheckReport",
    "Filters",
    "ImportReport",
    "Menu",
    "NewItem",
    "Nutrition",
    "Order",
    "OrderLine",
    "PantryExtraction",
    "PantryItem",
    "PantryItemDraft",
    "ParsedIngredient",
    "PricedOrder",
    "Recipe",
    "RecipeIngredient",
    "Suggestion",
    "add_csv",
    "add_items",
    "aggregate",
    "check_recipe",
    "connect",
    "cook",
    "drafts_to_items",
    "extract_pantry_items",
    "import_file",
    "list_items",
    "load_menu",
    "load_recipe",
    "order_from_text",
    "parse_line",
    "plan",
    "price_order",
    "recipe_nutrition",
    "remove_item",
    "shopping_list",
    "suggest",
    "undo",
]
