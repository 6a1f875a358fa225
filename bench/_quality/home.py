"""Home: property listings and recipe metadata."""

from __future__ import annotations

import datetime as dt

from .writer import (
    DATE,
    STRING,
    STRINGS,
    Draft,
    Spec,
    Writer,
    keep,
    obj,
)

# -- real-estate listing ----------------------------------------------------------------------------------
REAL_ESTATE = obj(
    {
        "listing_type": {"type": "string", "enum": ["sale", "rent"]},
        "property_type": {"type": "string", "enum": ["apartment", "house", "studio", "townhouse"]},
        "price": {"type": "number", "minimum": 0, "description": "asking price, or the monthly rent"},
        "bedrooms": {"type": "integer", "minimum": 0},
        "bathrooms": {"type": "number", "minimum": 0},
        "area_m2": {"type": "number", "minimum": 0, "description": "living area in square metres"},
        "address": obj(
            {"street": STRING, "city": STRING, "postcode": STRING, "country": STRING},
            ["street", "city", "country"],
        ),
        "features": STRINGS,
        "available_from": DATE,
        "pets_allowed": {"type": "boolean"},
    },
    ["listing_type", "property_type", "price", "bedrooms", "bathrooms", "area_m2", "address"],
)
FEATURES = (
    "balcony",
    "dishwasher",
    "bike storage",
    "underfloor heating",
    "south-facing garden",
    "lift",
    "parking space",
    "fibre internet",
)


def real_estate(w: Writer, trap: bool) -> Draft:
    listing = w.pick(("sale", "rent"))
    kind = w.pick(("apartment", "house", "townhouse"))
    bedrooms = w.between(1, 5)
    bathrooms = w.pick((1.0, 1.5, 2.0, 2.5)) if bedrooms > 1 else 1.0
    area = float(w.between(35, 70) + 18 * bedrooms)
    city, country, postcode = w.city()
    street = w.street()
    currency = w.pick(("EUR", "GBP", "USD"))
    price = (
        float(w.between(8, 40) * 100 + 50 * bedrooms)
        if listing == "rent"
        else float(w.between(18, 95) * 10_000)
    )
    money = w.money(price, currency, ("symbol", "code_before"))
    price_text = f"{money}/month" if listing == "rent" else f"{money}"
    features = w.sample(FEATURES, w.between(2, 4)) if w.chance(0.7) else None
    available = w.day(dt.date(2025, 2, 1), 200) if w.chance(0.5) else None
    available_text = w.date(available) if available else None
    if trap:
        w.tag("bad-format", "optional-absent")
        available, available_text = None, w.pick(("ASAP", "soon-ish, ask the agent", "after renovation"))
    pets = w.pick((True, False, None)) if listing == "rent" else None
    if pets is not None:
        w.tag("implied-bool")
    pets_text = {
        True: w.pick(("Pets welcome.", "Cats and dogs OK.")),
        False: w.pick(("No pets.", "Sorry, no pets")),
        None: "",
    }[pets]
    w.tag("implied-enum")
    bed_text = w.count(bedrooms, 0.4)
    bath_text = f"{bathrooms:g} bath" + ("s" if bathrooms > 1 else "")
    area_text = w.pick((f"{area:g} m²", f"{area:g} sqm", f"{area:g} m2"))
    deposit = w.money(price * 2, currency, ("symbol", "code_before")) if listing == "rent" else None
    built = w.between(1890, 2021)
    head = {"sale": w.pick(("For sale", "FOR SALE")), "rent": w.pick(("For rent", "To let"))}[listing]
    address = f"{street}, {postcode} {city}, {country}"
    details = [f"{bed_text} bedrooms" if bedrooms != 1 else f"{bed_text} bedroom", bath_text, area_text]
    extras = []
    if features:
        extras.append("Features: " + ", ".join(features) + ".")
    if available_text:
        extras.append(f"Available: {available_text}." if trap else f"Available from {available_text}.")
    if pets_text:
        extras.append(pets_text)
    if deposit:
        extras.append(f"Deposit: {deposit}.")
    text = w.pick(
        (
            f"{head}: bright {kind}, " + ", ".join(details) + f", {price_text}. {address}. Built {built}, "
            f"{w.between(1, 6)}th floor. " + " ".join(w.shuffled(extras)),
            f"{head.upper()} - {kind.upper()}\nAddress: {address}\nPrice: {price_text}\n"
            + " | ".join(w.shuffled(details))
            + "\n"
            + "\n".join(w.shuffled(extras))
            + f"\nEnergy label C, built in {built}. Viewings Saturday.",
        )
    )
    return w.draft(
        text,
        keep(
            {
                "listing_type": listing,
                "property_type": kind,
                "price": price,
                "bedrooms": bedrooms,
                "bathrooms": bathrooms,
                "area_m2": area,
                "address": {"street": street, "city": city, "postcode": postcode, "country": country},
                "features": features,
                "available_from": available.isoformat() if available else None,
                "pets_allowed": pets,
            }
        ),
    )


# -- recipe metadata ----------------------------------------------------------------------------------------
RECIPE_META = obj(
    {
        "title": {"type": "string"},
        "servings": {"type": "integer", "minimum": 1},
        "prep_minutes": {"type": "integer", "minimum": 0, "description": "preparation time in minutes"},
        "vegetarian": {"type": "boolean"},
        "cuisine": {"type": "string"},
    },
    ["title", "servings", "prep_minutes", "vegetarian"],
)
DISHES = (  # (title, meat or None, cuisine)
    ("Lemony Chickpea Stew", None, "Moroccan"),
    ("Chicken Katsu Curry", "chicken", "Japanese"),
    ("Spinach and Ricotta Cannelloni", None, "Italian"),
    ("Beef Bulgogi Bowls", "beef", "Korean"),
    ("Smoky Black Bean Tacos", None, "Mexican"),
    ("Shrimp Pad Thai", "shellfish", "Thai"),
    ("Mushroom Stroganoff", None, "Russian"),
    ("Lamb Rogan Josh", "lamb", "Indian"),
)


def recipe_meta(w: Writer, trap: bool) -> Draft:
    title, meat, cuisine = w.pick(DISHES)
    servings = w.between(2, 8)
    minutes = w.pick((10, 15, 20, 25, 30, 45, 60, 75, 90))
    prep = f"{minutes} minutes"
    if minutes >= 60 and w.chance(0.7):
        w.tag("unit-convert")
        prep = "1 hour" if minutes == 60 else f"1 hour {minutes - 60} minutes"
    cook = w.pick((20, 35, 40, 50))
    with_cuisine = w.chance(0.6)
    w.tag("implied-bool")
    if meat is None:
        veg_text = w.pick(
            ("Completely meat-free", "Vegetarian", "Vegetarian, and vegan if you skip the yoghurt")
        )
    else:
        veg_text = w.pick((f"Contains {meat}", f"Not vegetarian (contains {meat})"))
    intro = f"a classic {cuisine} dish" if with_cuisine else "a weeknight favourite in our house"
    serves = w.count(servings)
    text = w.pick(
        (
            f"{title}\n\nThis is {intro}. Serves {serves}. Prep: {prep}. Cook: {cook} minutes. "
            f"{veg_text}. Rated 4.{w.between(1, 9)} by 2{w.between(10, 99)} readers.",
            f"# {title}\n- Servings: {serves}\n- Prep time: {prep}\n- Cook time: {cook} min\n- {veg_text}\n\n"
            f"My grandmother made this {w.between(3, 9)} times a month - {intro}.",
        )
    )
    return w.draft(
        text,
        keep(
            {
                "title": title,
                "servings": servings,
                "prep_minutes": minutes,
                "vegetarian": meat is None,
                "cuisine": cuisine if with_cuisine else None,
            }
        ),
    )


SPECS = [
    Spec("real_estate_listing", "medium", REAL_ESTATE, real_estate, 7, has_trap=True),
    Spec("recipe_meta", "simple", RECIPE_META, recipe_meta, 8),
]
