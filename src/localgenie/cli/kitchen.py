"""`genie kitchen ...`: a thin command-line layer over `localgenie.kitchen`.

Library functions raise `GenieError` subclasses; the top-level CLI maps them to exit codes.
"""

from __future__ import annotations

import sqlite3
import warnings
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from localgenie.cascade.routing import model_for
from localgenie.cli.kitchen_table import pantry_table
from localgenie.errors import GenieWarning
from localgenie.kitchen import corpus, db, pantry, units, vocab
from localgenie.kitchen.suggest import Filters, expired_items
from localgenie.kitchen.suggest import suggest as find_suggestions

app = typer.Typer(
    help="KitchenGenie: pantry with expiry, use-it-up recipe suggestions, cooking.", no_args_is_help=True
)
console = Console()

DbOption = Annotated[
    Path | None, typer.Option("--db", help="Kitchen database file (default: GENIE_DB or user data dir).")
]


def _conn(path: Path | None) -> sqlite3.Connection:
    return db.connect(path)


def _show(items: list[pantry.PantryItem], title: str = "Pantry") -> None:
    console.print(pantry_table(items, title, console.width, date.today()))


@app.command()
def add(
    text: Annotated[
        list[str] | None,
        typer.Argument(
            help='Plain words, e.g. "a dozen eggs, 2 chicken breasts in the freezer" '
            "(with --photo: more photos)."
        ),
    ] = None,
    csv_file: Annotated[
        Path | None,
        typer.Option("--csv", help=pantry.CSV_HELP),
    ] = None,
    photo: Annotated[
        list[Path] | None,
        typer.Option(
            "--photo", help="Photos to recognise ingredients in; you confirm before anything is stored."
        ),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Store without asking for confirmation.")] = False,
    model: Annotated[
        str | None, typer.Option(help="Model for plain-words extraction (auto: default).")
    ] = None,
    db_path: DbOption = None,
) -> None:
    """Add pantry items from plain words (LLM extraction), a CSV file, or photos (--photo a.jpg b.jpg)."""
    conn = _conn(db_path)
    today = date.today()
    if csv_file is not None:
        _show(pantry.add_csv(conn, csv_file, today), "Added")
        return
    if photo:
        # `--photo a.jpg b.jpg`: an option takes one value, so the photos after the first arrive as TEXT.
        _add_from_photos(conn, [*photo, *(Path(p) for p in text or [])], yes, today)
        return
    words = " ".join(text or []).strip()
    if not words:
        raise typer.BadParameter("give TEXT, --csv FILE or --photo PHOTO...")
    import localgenie  # lazily: loading the LLM stack is slow and only this path needs it
    from localgenie.kitchen.extraction import extract_pantry_items, missed_parts

    items = extract_pantry_items(
        words, localgenie.extract_details, today=today, model=model_for(model, "pantry")
    )
    checked = [pantry.validate(i, today) for i in items]
    console.print(pantry_table(checked, "Understood", console.width, today))
    missed = missed_parts(words, [i.name for i in items])
    if missed:
        warnings.warn(
            f"the model left out {'; '.join(repr(m) for m in missed)}: add them again, in other words",
            GenieWarning,
            stacklevel=1,
        )
    if not yes and not typer.confirm("Store these items?", default=True):
        raise typer.Exit(1)
    _show(pantry.add_items(conn, items, today), "Added")


def _add_from_photos(conn: sqlite3.Connection, photos: list[Path], yes: bool, today: date) -> None:
    """Recognise, show the numbered list, let the user pick or edit; "maybe" items only when picked."""
    from localgenie.cli.vision import recognition_table, run_recognition
    from localgenie.vision import apply_answer

    result = run_recognition(photos, single=False, base_url=None, model=None, api_key=None)
    if not result.items:
        console.print("No ingredient recognised in the photo(s); add them as text instead.")
        raise typer.Exit(1)
    console.print(recognition_table(result))
    if yes:
        answer = ""
        for item in result.maybe:
            console.print(f"[dim]not added (maybe): {item.ingredient} {item.confidence:.0%}[/dim]")
    else:
        answer = typer.prompt(
            "Enter = add the likely items; or numbers to keep (1 3), 3=new name, +missed item, none",
            default="",
            show_default=False,
        )
    chosen = apply_answer(result.items, answer)
    if not chosen:
        console.print("Nothing added.")
        return
    items = [pantry.NewItem(name=name, quantity=float(count or 1), added=today) for name, count in chosen]
    _show(pantry.add_items(conn, items, today), "Added")


@app.command("list")
def list_cmd(db_path: DbOption = None) -> None:
    """Pantry items, soonest expiry first (red: expired, yellow: 3 days or less)."""
    items = pantry.list_items(_conn(db_path))
    if not items:
        console.print("The pantry is empty.")
        return
    _show(items)


@app.command()
def remove(
    item: Annotated[str, typer.Argument(help="Item id or name.")],
    quantity: Annotated[
        float | None, typer.Option(help="Remove only this much (in the item's unit).")
    ] = None,
    db_path: DbOption = None,
) -> None:
    """Remove an item (or part of it) from the pantry."""
    removed = pantry.remove_item(_conn(db_path), item, quantity)
    console.print(
        f"Removed {quantity if quantity is not None else 'all'} of {removed.name} (id {removed.id})."
    )


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="csv or json")] = "csv",
    db_path: DbOption = None,
) -> None:
    """Print the pantry as CSV (readable by `add --csv`) or JSON."""
    items = pantry.list_items(_conn(db_path))
    if fmt == "csv":
        typer.echo(pantry.to_csv(items), nl=False)
    elif fmt == "json":
        import dataclasses
        import json

        typer.echo(json.dumps([dataclasses.asdict(i) for i in items], default=str, indent=2))
    else:
        raise typer.BadParameter("--format must be csv or json")


@app.command("import")
def import_cmd(
    file: Annotated[
        Path, typer.Argument(help="JSONL (.gz ok), CSV, HTML page or JSON-LD with a schema.org Recipe.")
    ],
    db_path: DbOption = None,
) -> None:
    """Import recipes (idempotent; an interrupted import resumes where it stopped)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    conn = _conn(db_path)
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TextColumn("{task.fields[rows]} rows"),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task(f"importing {file.name}", total=1.0, rows=0)
        report = corpus.import_file(
            conn, file, lambda frac, rows: bar.update(task, completed=frac, rows=rows)
        )
    if report.resumed_from:
        console.print(f"Resumed after row {report.resumed_from}.")
    console.print(
        f"{report.added} added, {report.duplicates} already present, {report.skipped} bad rows skipped."
    )
    for reason in report.skip_reasons:
        console.print(f"  skipped {reason}")


Vegetarian = Annotated[bool, typer.Option("--vegetarian")]
Vegan = Annotated[bool, typer.Option("--vegan")]
GlutenFree = Annotated[bool, typer.Option("--gluten-free")]
DairyFree = Annotated[bool, typer.Option("--dairy-free")]
NutFree = Annotated[bool, typer.Option("--nut-free")]
Exclude = Annotated[
    list[str] | None, typer.Option(help="Ingredient or allergen group to avoid (repeatable).")
]
MaxTime = Annotated[
    int | None, typer.Option(help="Maximum total minutes (recipes with unknown time are kept).")
]


def _filters(
    vegetarian: bool,
    vegan: bool,
    gluten_free: bool,
    dairy_free: bool,
    nut_free: bool,
    exclude: list[str] | None,
    max_time: int | None,
) -> Filters:
    flags = [vegetarian, vegan, gluten_free, dairy_free, nut_free]
    diets = frozenset(name for name, on in zip(corpus.DIETS, flags, strict=True) if on)
    return Filters(diets, tuple(exclude or ()), max_time)


@app.command()
def suggest(
    vegetarian: Vegetarian = False,
    vegan: Vegan = False,
    gluten_free: GlutenFree = False,
    dairy_free: DairyFree = False,
    nut_free: NutFree = False,
    exclude: Exclude = None,
    max_time: MaxTime = None,
    limit: int = 10,
    db_path: DbOption = None,
) -> None:
    """Recipes that use up the pantry, what spoils first counting most."""
    conn = _conn(db_path)
    filters = _filters(vegetarian, vegan, gluten_free, dairy_free, nut_free, exclude, max_time)
    results = find_suggestions(conn, filters, limit=limit)
    for item in expired_items(conn):
        console.print(f"[red]expired:[/red] {item.name} (id {item.id}, {item.expires}) - check it before use")
    if not results:
        console.print("No recipe uses anything in the pantry with these filters.")
    for rank, s in enumerate(results, start=1):
        console.print(f"[bold]{rank}. {s.title}[/bold]  (recipe {s.recipe_id}, score {s.score:.1f})")
        console.print(f"   uses: {', '.join(u.ingredient for u in s.used)}")
        if s.missing:
            console.print(f"   missing: {', '.join(s.missing)}")
        console.print(f"   why: {s.why}" + (f" [{'; '.join(s.notes)}]" if s.notes else ""))


@app.command()
def generate(
    use: Annotated[
        str | None, typer.Option(help="Pantry items the recipe must use, comma-separated (spinach,feta).")
    ] = None,
    servings: Annotated[int, typer.Option(help="Servings to write the recipe for.")] = 2,
    vegetarian: Vegetarian = False,
    vegan: Vegan = False,
    gluten_free: GlutenFree = False,
    dairy_free: DairyFree = False,
    nut_free: NutFree = False,
    exclude: Exclude = None,
    max_time: MaxTime = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            help="tiny, default, a .gguf path, a server's model, or auto (= default: tiny cannot "
            "write recipes).",
        ),
    ] = None,
    base_url: Annotated[
        str | None, typer.Option(help="OpenAI-compatible server URL (default: GENIE_BASE_URL).")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Stream the model's raw JSON.")] = False,
    db_path: DbOption = None,
) -> None:
    """Write a new recipe for the pantry with the LLM, grounded on the best-matching imported recipes,
    checked by code (pantry, amounts, steps vs ingredients), with nutrition and a shopping list."""
    from localgenie.kitchen.cooking import to_markdown
    from localgenie.kitchen.generate import generate_recipe
    from localgenie.llm import get_backend

    conn = _conn(db_path)
    filters = _filters(vegetarian, vegan, gluten_free, dairy_free, nut_free, exclude, max_time)
    errors = Console(stderr=True)

    def show_event(kind: str, data: str) -> None:
        if kind == "status":
            errors.print(f"[dim]{data}[/dim]")
        elif verbose:
            errors.out(data, end="", highlight=False)

    backend = get_backend(model_for(model, "recipe"), base_url=base_url)
    wanted = [w.strip() for w in (use or "").split(",") if w.strip()]
    result = generate_recipe(
        conn, backend, use=wanted, servings=servings, filters=filters, on_event=show_event
    )
    r = result.recipe
    time_text = f", {r.total_time_min} min" if r.total_time_min else ""
    console.print(f"\n[bold]{r.title}[/bold]  (serves {r.servings}{time_text}; recipe {result.recipe_id})")
    if result.inspired_by:
        console.print("inspired by: " + "; ".join(f"{t} ({i})" for i, t in result.inspired_by))
    missing = {n.key for n in result.check.needs}
    for ing in r.ingredients:
        unit = (units.lookup(ing.unit) or ing.unit) if ing.unit else "piece"
        amount = "" if ing.quantity is None else f"{units.format_amount(ing.quantity, unit)} "
        mark = "" if ing.from_pantry else "  [dim](not from the pantry)[/dim]"
        key = vocab.ingredient_key(ing.name)
        if key in missing:
            mark = "  [yellow](to buy)[/yellow]"
        console.print(f"  - {amount}{ing.name}{mark}")
    for number, step in enumerate(r.steps, start=1):
        console.print(f"  {number}. {step}")
    for tip in r.tips:
        console.print(f"  [dim]tip: {tip}[/dim]")
    for note in result.notes:
        console.print(f"[dim]note: {note}[/dim]")
    for problem in result.check.problems:
        console.print(f"[red]check:[/red] {problem}")
    for warning in result.check.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    per = result.nutrition.per_serving
    console.print("per serving: " + ", ".join(f"{name} {value:.0f}" for name, value in per.items()))
    for line in result.nutrition.unmatched:
        console.print(f"  [dim]not counted: {line.text} ({line.problem})[/dim]")
    if result.shopping:
        console.print("shopping list:")
        console.print(to_markdown(result.shopping).rstrip())
    u = result.usage
    errors.print(
        f"[dim]{result.seconds:.1f} s, {result.attempts} attempt(s), {u.prompt_tokens} prompt + "
        f"{u.completion_tokens} completion tokens; cook it with `genie kitchen cook {result.recipe_id}`[/dim]"
    )


@app.command()
def staples(
    add: Annotated[list[str] | None, typer.Option("--add", help="Add a staple (repeatable).")] = None,
    remove: Annotated[
        list[str] | None, typer.Option("--remove", help="Remove a staple (repeatable).")
    ] = None,
    db_path: DbOption = None,
) -> None:
    """Show or edit the staples assumed always at hand (salt, pepper, oil, water...)."""
    conn = _conn(db_path)
    for name in add or []:
        pantry.set_staple(conn, name, True)
    for name in remove or []:
        pantry.set_staple(conn, name, False)
    console.print(", ".join(sorted(pantry.staples(conn))))


@app.command()
def show(recipe_id: int, db_path: DbOption = None) -> None:
    """Show an imported recipe: ingredients (as parsed) and directions."""
    from localgenie.kitchen.cooking import load_recipe

    r = load_recipe(_conn(db_path), recipe_id)
    console.print(f"[bold]{r.title}[/bold]" + (f"  ({r.total_time_min} min)" if r.total_time_min else ""))
    for line in r.lines:
        console.print(f"  - {line.text}  [dim]{line.key}[/dim]")
    for n, step in enumerate(r.directions, start=1):
        console.print(f"  {n}. {step}")


@app.command()
def cook(
    recipe_id: int,
    servings: Annotated[
        float | None, typer.Option(help="Cook for this many (needs the recipe's own servings).")
    ] = None,
    scale: Annotated[float | None, typer.Option(help="Multiply every amount by this factor.")] = None,
    db_path: DbOption = None,
) -> None:
    """Take a recipe's ingredients out of the pantry (one transaction; `undo` reverts it)."""
    from localgenie.kitchen.cooking import cook as cook_recipe

    cook_id, plan = cook_recipe(_conn(db_path), recipe_id, servings, scale)
    console.print(f"Cooked {plan.recipe.title} (cook {cook_id}, x{plan.factor:g}).")
    for item, take in plan.takes:
        console.print(f"  - {units.format_amount(take, item.unit)} {item.name}")
    for warning in plan.warnings:
        console.print(f"  [yellow]{warning}[/yellow]")


@app.command()
def undo(db_path: DbOption = None) -> None:
    """Undo the last `cook`."""
    from localgenie.kitchen.cooking import undo as undo_cook

    recipe_id = undo_cook(_conn(db_path))
    console.print(f"Undid cooking recipe {recipe_id}; pantry quantities restored.")


@app.command("shopping-list")
def shopping_list(
    recipe_ids: Annotated[list[int], typer.Argument(help="Recipes you plan to cook.")],
    servings: Annotated[float | None, typer.Option(help="Scale each recipe to this many servings.")] = None,
    scale: Annotated[float | None, typer.Option(help="Multiply every amount by this factor.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="md or csv")] = "md",
    db_path: DbOption = None,
) -> None:
    """What to buy for the given recipes, given the pantry (amounts summed across recipes)."""
    from localgenie.kitchen import cooking

    items = cooking.shopping_list(_conn(db_path), recipe_ids, servings, scale)
    if fmt not in ("md", "csv"):
        raise typer.BadParameter("--format must be md or csv")
    typer.echo(cooking.to_markdown(items) if fmt == "md" else cooking.to_csv(items), nl=False)


@app.command()
def nutrition(
    recipe_id: int,
    servings: Annotated[
        float | None, typer.Option(help="Servings (default: the recipe's own, else 1).")
    ] = None,
    db_path: DbOption = None,
) -> None:
    """Nutrition per serving from USDA SR26; unmatched ingredients are listed, not guessed."""
    from localgenie.kitchen.cooking import load_recipe
    from localgenie.kitchen.nutrition import recipe_nutrition

    r = load_recipe(_conn(db_path), recipe_id)
    count = servings or r.servings or 1.0
    result = recipe_nutrition([(x.text, x.quantity, x.unit, x.key) for x in r.lines], count)
    note = "" if servings or r.servings else " (servings unknown: whole recipe)"
    console.print(f"[bold]{r.title}[/bold], per serving of {count:g}{note}:")
    for name, value in result.per_serving.items():
        console.print(f"  {name:10} {value:8.1f}")
    for line in result.unmatched:
        console.print(f"  [yellow]not counted:[/yellow] {line.text} ({line.problem})")


@app.command()
def order(
    text: Annotated[
        str, typer.Argument(help='e.g. "two large pepperonis, one medium veggie without olives"')
    ],
    menu: Annotated[Path, typer.Option("--menu", help="Menu TOML file (see examples/menu.toml).")],
    model: Annotated[str | None, typer.Option(help="Model for the extraction (auto: default).")] = None,
) -> None:
    """Turn a spoken-style order into items, priced by code from the menu (never by the model)."""
    import localgenie
    from localgenie.kitchen.order import load_menu, order_from_text

    parsed_menu = load_menu(menu)
    _, priced = order_from_text(
        text, parsed_menu, localgenie.extract_details, model=model_for(model, "order")
    )
    table = Table(title=parsed_menu.name)
    for col in ("qty", "item", "each", "total"):
        table.add_column(col)
    for line in priced.lines:
        table.add_row(str(line.quantity), line.description, f"{line.unit_price}", f"{line.total}")
    console.print(table)
    console.print(f"[bold]Total: {priced.total} {priced.currency}[/bold]")
    for correction in priced.corrections:
        console.print(f"[dim]corrected: {correction}[/dim]")
    for problem in priced.problems:
        console.print(f"[yellow]{problem}[/yellow]")
    if priced.problems:
        raise typer.Exit(2)
