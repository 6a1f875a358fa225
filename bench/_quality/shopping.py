"""Shopping: product pages, till receipts, web-shop order confirmations."""

from __future__ import annotations

from .writer import (
    DATE_TIME,
    EMAIL,
    MONEY,
    STRING,
    STRINGS,
    Draft,
    Spec,
    Writer,
    array,
    keep,
    obj,
)

# -- product listing --------------------------------------------------------------------------------------
PRODUCT_LISTING = obj(
    {
        "name": STRING,
        "brand": STRING,
        "sku": STRING,
        "price": {"type": "number", "minimum": 0, "description": "current price"},
        "currency": {"type": "string", "enum": ["USD", "EUR", "GBP"]},
        "in_stock": {"type": "boolean"},
        "weight_kg": {"type": "number", "minimum": 0},
        "color": STRING,
        "categories": {**STRINGS, "description": "categories from the breadcrumb, without 'Home'"},
        "rating": {"type": "number", "minimum": 0, "maximum": 5},
        "url": {"type": "string", "format": "uri"},
    },
    ["name", "brand", "sku", "price", "currency", "in_stock", "categories", "url"],
)
ITEMS = (
    ("BrewMaster 3000 Drip Coffee Maker", "Orchard Home", ("Kitchen", "Coffee Makers"), 89.99, 2.1),
    ("TrailLite 45L Hiking Backpack", "Vertex Outdoor", ("Outdoor", "Bags", "Backpacks"), 129.0, 1.35),
    ("Aero Noise-Cancelling Headphones", "Sable Audio", ("Electronics", "Audio"), 249.5, 0.26),
    ("ErgoFlex Office Chair", "Willow Studio", ("Furniture", "Office", "Chairs"), 399.0, 14.8),
    ("Cast Iron Skillet 28 cm", "Quarry & Co", ("Kitchen", "Cookware"), 54.95, 3.4),
    ("SoftTouch Baby Blanket", "Lumen Kids", ("Baby", "Bedding"), 24.99, 0.45),
)
COLORS = ("Matte Black", "Forest Green", "Slate Grey", "Ivory", "Navy Blue")


def product_listing(w: Writer, trap: bool) -> Draft:
    name, brand, categories, base, weight = w.pick(ITEMS)
    currency = w.pick(("USD", "EUR", "GBP"))
    price = round(base * w.pick((1.0, 0.9, 1.15)), 2)
    was = round(price * 1.25, 2)
    stock = w.chance(0.65)
    w.tag("implied-bool")
    stock_text = (
        w.pick(("In stock - ships in 24 h", f"Only {w.between(2, 5)} left!", "Available"))
        if stock
        else w.pick(("Currently unavailable", "Sold out - notify me", "Out of stock"))
    )
    sku = f"{''.join(word[0] for word in brand.split() if word[0].isalpha()).upper()}-{w.between(1000, 9999)}"
    color = w.pick(COLORS) if w.chance(0.6) else None
    with_weight = w.chance(0.6)
    if with_weight and weight < 1 and w.chance(0.6):
        w.tag("unit-convert")
        weight_text = f"{round(weight * 1000):d} g"
    else:
        weight_text = f"{weight:g} kg"
    rating = round(w.rng.uniform(3.2, 4.9), 1) if w.chance(0.6) else None
    reviews = f"{w.between(12, 3400):,}"
    url = f"https://shop.example.com/p/{sku.lower()}"
    money = w.money(price, currency, ("symbol", "code_after"))
    old = w.money(was, currency, ("symbol", "code_after"))
    lines = [stock_text, f"SKU: {sku}", f"Free shipping over {w.money(50.0, currency, ('code_after',))}"]
    if color:
        lines.append(f"Color: {color}")
    if with_weight:
        lines.append(f"Weight: {weight_text}")
    head = f"{name}\nby {brand}\n" + (f"★ {rating} ({reviews} reviews)\n" if rating else "No reviews yet\n")
    text = w.pick(
        (
            "Home › "
            + " › ".join(categories)
            + f"\n{head}{money}  (was {old})\n"
            + "\n".join(w.shuffled(lines))
            + f"\n{url}",
            f"Saved from {url}\n\nHome / "
            + " / ".join(categories)
            + f"\n\n{head}Price: {money} (RRP {old})\n"
            + "\n".join(w.shuffled(lines))
            + "\nCustomers also bought: USB-C cable, gift card",
        )
    )
    return w.draft(
        text,
        keep(
            {
                "name": name,
                "brand": brand,
                "sku": sku,
                "price": price,
                "currency": currency,
                "in_stock": stock,
                "weight_kg": weight if with_weight else None,
                "color": color,
                "categories": list(categories),
                "rating": rating,
                "url": url,
            }
        ),
    )


# -- shop receipt -----------------------------------------------------------------------------------------
RECEIPT = obj(
    {
        "store": STRING,
        "store_city": STRING,
        "purchased_at": {"type": "string", "format": "date-time"},
        "items": array(
            obj(
                {
                    "name": STRING,
                    "quantity": {"type": "integer", "minimum": 1, "default": 1},
                    "price": {**MONEY, "description": "line total"},
                    "category": {
                        "type": "string",
                        "enum": ["grocery", "household", "personal care", "electronics", "clothing"],
                    },
                },
                ["name", "quantity", "price", "category"],
            )
        ),
        "payment": obj(
            {
                "method": {"type": "string", "enum": ["cash", "card", "mobile"]},
                "card_last4": {"type": "string", "pattern": "^[0-9]{4}$"},
            },
            ["method"],
        ),
        "total": MONEY,
        "loyalty_points": {"type": "integer", "minimum": 0},
    },
    ["store", "purchased_at", "items", "payment", "total"],
)
SHOP_ITEMS = (
    ("Bananas", 0.99, "grocery"),
    ("Whole milk 1L", 1.15, "grocery"),
    ("Sourdough bread", 3.2, "grocery"),
    ("Free-range eggs x12", 3.85, "grocery"),
    ("Cheddar 200g", 2.6, "grocery"),
    ("Dish soap", 2.49, "household"),
    ("Paper towels 4pk", 4.99, "household"),
    ("Bin bags 30L", 2.1, "household"),
    ("Toothpaste", 1.89, "personal care"),
    ("Shampoo 400ml", 3.75, "personal care"),
    ("Sunscreen SPF50", 8.9, "personal care"),
    ("USB-C cable 1m", 7.99, "electronics"),
    ("Phone charger 20W", 14.99, "electronics"),
    ("Cotton socks 3pk", 6.5, "clothing"),
    ("Kids T-shirt", 5.0, "clothing"),
)


def receipt(w: Writer, trap: bool) -> Draft:
    store = w.pick(("FRESHWAY MARKET", "CORNER BASKET", "HALLE 9 SUPERMARKT", "NORTHSIDE PHARMACY & MORE"))
    city, _, _ = w.city()
    with_city = w.chance(0.7)
    stamp, expected_stamp = w.moment(w.instant(), ("dotted", "iso_space", "iso_t"))
    picked = w.sample(SHOP_ITEMS, w.between(3, 6))
    items = [
        (name, q, round(q * unit, 2), unit, cat)
        for name, unit, cat in picked
        for q in [w.pick((1, 1, 1, 2, 3))]
    ]
    total = round(sum(line for _, _, line, _, _ in items), 2)
    method = w.pick(("card", "card", "cash", "mobile"))
    last4 = f"{w.between(0, 9999):04d}" if method == "card" else None
    points = w.between(1, 60) if w.chance(0.5) else None
    w.tag("implied-enum")
    lines = []
    for name, q, line, unit, _ in items:
        if q > 1:
            lines.append(
                f"{q} x {name:<24}{line:>8.2f}"
                if w.chance(0.5)
                else f"{name}\n   {q} @ {unit:.2f}{line:>19.2f}"
            )
        else:
            lines.append(f"{name:<28}{line:>8.2f}")
    if method == "card":
        pay = w.pick(
            (f"VISA ************{last4}  CONTACTLESS", f"Mastercard ending {last4}", f"DEBIT CARD ...{last4}")
        )
    elif method == "cash":
        given = float(((int(total) // 10) + 1) * 10)
        pay = f"CASH {given:.2f}\nCHANGE {given - total:.2f}"
        w.tag("distractor-number")
    else:
        pay = w.pick(("Apple Pay", "Google Pay", "Paid with mobile wallet"))
    text = (
        f"{store}\n"
        + (f"{w.street()}, {city}\n" if with_city else "")
        + f"Tel 01 555 {w.between(1000, 9999)}\n"
        f"{stamp}  Till {w.between(1, 9)}  Op {w.between(100, 999)}\n\n"
        + "\n".join(lines)
        + f"\n{'-' * 36}\n{'TOTAL':<28}{total:>8.2f}\n{pay}\n"
        + (f"Points earned today: {points}\n" if points is not None else "")
        + f"Items: {sum(q for _, q, _, _, _ in items)}\nThank you for shopping with us!"
    )
    return w.draft(
        text,
        keep(
            {
                "store": store,
                "store_city": city if with_city else None,
                "purchased_at": expected_stamp,
                "items": [
                    {"name": n, "quantity": q, "price": line, "category": c} for n, q, line, _, c in items
                ],
                "payment": keep({"method": method, "card_last4": last4}),
                "total": total,
                "loyalty_points": points,
            }
        ),
    )


# -- web-shop order confirmation ----------------------------------------------------------------------------
ORDER_CONFIRMATION = obj(
    {
        "order_id": {"type": "string", "format": "uuid"},
        "placed_at": DATE_TIME,
        "customer": obj({"name": STRING, "email": EMAIL}, ["name", "email"]),
        "shipping_address": obj(
            {"street": STRING, "city": STRING, "postcode": STRING, "country": STRING},
            ["street", "city", "country"],
        ),
        "billing_same_as_shipping": {"type": "boolean"},
        "items": array(
            obj(
                {
                    "sku": STRING,
                    "name": STRING,
                    "quantity": {"type": "integer", "minimum": 1},
                    "unit_price": MONEY,
                    "gift_wrap": {"type": "boolean", "default": False},
                },
                ["sku", "name", "quantity", "unit_price"],
            )
        ),
        "shipping_method": {"type": "string", "enum": ["standard", "express", "pickup"]},
        "shipping_cost": MONEY,
        "discount_code": STRING,
        "total": MONEY,
    },
    [
        "order_id",
        "placed_at",
        "customer",
        "shipping_address",
        "billing_same_as_shipping",
        "items",
        "shipping_method",
        "shipping_cost",
        "total",
    ],
)
CATALOGUE = (
    ("TL-45-GRN", "TrailLite 45L Backpack, green", 129.0),
    ("MUG-CER-02", "Ceramic mug, set of 2", 18.5),
    ("BK-PY-101", "Learning Python (paperback)", 39.9),
    ("SCK-WL-M", "Wool socks, size M", 12.0),
    ("LMP-DSK-01", "Desk lamp with USB port", 45.0),
    ("TEA-SMP-12", "Tea sampler, 12 flavours", 22.75),
)


def order_confirmation(w: Writer, trap: bool) -> Draft:
    order_id = w.uuid()
    placed, placed_expected = w.moment(w.instant(), ("iso_t", "words", "iso_offset", "iso_space"))
    first, last = w.person()
    name = f"{first} {last}"
    email = w.email(first, last)
    email_text = email
    if trap:
        w.tag("bad-format")
        email_text = w.pick(("see your account page", "the one on file"))
    city, country, postcode = w.city()
    street = w.street()
    same_billing = w.chance(0.6)
    lines = [
        (sku, item, w.pick((1, 1, 2, 3)), price, w.chance(0.3))
        for sku, item, price in w.sample(CATALOGUE, w.between(2, 4))
    ]
    method = w.pick(("standard", "express", "pickup"))
    cost = {"standard": 4.95, "express": 12.5, "pickup": 0.0}[method]
    code = w.pick(("WELCOME10", "SPRING25", None, None))
    discount = (
        round(sum(q * p for _, _, q, p, _ in lines) * (0.1 if code == "WELCOME10" else 0.25), 2)
        if code
        else 0.0
    )
    total = round(sum(q * p for _, _, q, p, _ in lines) + cost - discount, 2)
    currency = w.pick(("EUR", "GBP", "USD"))
    w.tag("implied-bool", "implied-enum")

    def m(amount: float) -> str:
        return w.money(amount, currency, ("symbol",))

    method_text = {
        "standard": "Standard delivery (3-5 days)",
        "express": "Express (next working day)",
        "pickup": "Click & collect - pick up in store",
    }[method]
    rows = "\n".join(
        f"{q} × {item}  [{sku}]  {m(p)} each" + ("  🎁 gift wrapped" if g else "")
        for sku, item, q, p, g in lines
    )
    any_wrap = any(g for *_, g in lines)
    if any_wrap:  # then an unmarked item is known not to be wrapped
        rows += "\n(Gift wrap only where marked.)"
    billing = (
        "Billing address: same as shipping"
        if same_billing
        else (f"Billing address: {w.street()}, {w.city()[0]}")
    )
    text = (
        f"Thanks for your order, {first}!\n\nOrder #{w.between(1000, 9999)} (ref {order_id})\nPlaced: "
        f"{placed}\n"
        f"Customer: {name} <{email_text}>\n\nShip to: {street}, {postcode} {city}, "
        f"{country}\n{billing}\n\n{rows}\n\n"
        f"Delivery: {method_text} - {m(cost) if cost else 'free'}\n"
        + (f"Discount code {code}: -{m(discount)}\n" if code else "")
        + f"Order total: {m(total)}\n\n"
        f"You earned {w.between(10, 300)} points. Questions? Reply to this email."
    )
    if trap:
        return w.draft(text, None, expect_error=True)
    return w.draft(
        text,
        keep(
            {
                "order_id": order_id,
                "placed_at": placed_expected,
                "customer": {"name": name, "email": email},
                "shipping_address": {
                    "street": street,
                    "city": city,
                    "postcode": postcode,
                    "country": country,
                },
                "billing_same_as_shipping": same_billing,
                "items": [
                    keep(
                        {
                            "sku": s,
                            "name": i,
                            "quantity": q,
                            "unit_price": p,
                            "gift_wrap": g if any_wrap else None,
                        }
                    )
                    for s, i, q, p, g in lines
                ],
                "shipping_method": method,
                "shipping_cost": cost,
                "discount_code": code,
                "total": total,
            }
        ),
    )


SPECS = [
    Spec("product_listing", "medium", PRODUCT_LISTING, product_listing, 7),
    Spec("receipt", "complex", RECEIPT, receipt, 6),
    Spec("order_confirmation", "complex", ORDER_CONFIRMATION, order_confirmation, 6, has_trap=True),
]
