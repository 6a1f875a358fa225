"""Shipping: parcel status messages and multi-package shipping notices."""

from __future__ import annotations

import datetime as dt

from .writer import (
    DATE,
    MONEY,
    STRING,
    Draft,
    Spec,
    Writer,
    array,
    keep,
    obj,
)

# -- parcel status -------------------------------------------------------------------------------------------
PARCEL_STATUS = obj(
    {
        "tracking_number": {"type": "string"},
        "carrier": {"type": "string", "enum": ["DHL", "UPS", "FedEx", "USPS", "Royal Mail", "DPD", "PostNL"]},
        "delivered": {"type": "boolean"},
        "delivery_date": {
            "type": "string",
            "format": "date",
            "description": "date delivered, or the expected delivery date if not delivered yet",
        },
    },
    ["tracking_number", "carrier", "delivered", "delivery_date"],
)
TRACKING = {
    "UPS": "1Z{:06d}A1{:08d}",
    "DHL": "JD01{:06d}{:08d}",
    "FedEx": "7{:05d}{:06d}",
    "USPS": "9400{:06d}{:08d}",
    "Royal Mail": "RM{:04d}{:05d}GB",
    "DPD": "15{:05d}{:07d}",
    "PostNL": "3S{:05d}{:06d}",
}


def parcel_status(w: Writer, trap: bool) -> Draft:
    carrier = w.pick(tuple(TRACKING))
    number = TRACKING[carrier].format(w.between(0, 99999), w.between(0, 999999))
    delivered = w.chance(0.5)
    day = w.day()
    when = w.date(day, ("weekday", "us_ord", "eu", "short", "iso"))
    order = w.code("#", 6)
    w.tag("implied-bool")
    if delivered:
        text = w.pick(
            (
                f"Your {carrier} package {number} was delivered on {when}. Left at: front door. Order "
                f"{order}.",
                f"Good news - order {order} has arrived! {carrier} tracking {number}, handed to resident "
                f"{when}.",
            )
        )
    else:
        text = w.pick(
            (
                f"Your order {order} is on its way with {carrier}. Tracking number: {number}. "
                f"Estimated delivery: {when}.",
                f"{carrier} update for {number}: in transit, out of the depot soon. Expected {when}. "
                f"{w.between(2, 5)} packages in this shipment.",
            )
        )
    return w.draft(
        text,
        {
            "tracking_number": number,
            "carrier": carrier,
            "delivered": delivered,
            "delivery_date": day.isoformat(),
        },
    )


# -- shipping notice -----------------------------------------------------------------------------------------
SHIPPING_NOTICE = obj(
    {
        "shipment_id": STRING,
        "carrier": {"type": "string", "enum": ["DHL", "UPS", "FedEx", "DPD", "PostNL", "GLS"]},
        "service": {"type": "string", "enum": ["standard", "express", "overnight", "economy"]},
        "ship_date": DATE,
        "estimated_delivery": DATE,
        "sender": obj({"name": STRING, "city": STRING, "country": STRING}, ["name", "city", "country"]),
        "recipient": obj(
            {
                "name": STRING,
                "street": STRING,
                "city": STRING,
                "postcode": STRING,
                "country": STRING,
                "phone": STRING,
            },
            ["name", "street", "city", "country"],
        ),
        "packages": array(
            obj(
                {
                    "tracking_number": STRING,
                    "weight_kg": {"type": "number", "exclusiveMinimum": 0},
                    "fragile": {"type": "boolean"},
                    "contents": STRING,
                },
                ["tracking_number", "weight_kg", "fragile"],
            )
        ),
        "signature_required": {"type": "boolean"},
        "insured_value": {**MONEY, "description": "declared value for insurance"},
    },
    [
        "shipment_id",
        "carrier",
        "service",
        "ship_date",
        "estimated_delivery",
        "sender",
        "recipient",
        "packages",
        "signature_required",
    ],
)
CONTENTS = ("books", "ceramic vases", "laptop", "clothing", "spare parts", "wine glasses", "documents")


def shipping_notice(w: Writer, trap: bool) -> Draft:
    carrier = w.pick(("DHL", "UPS", "FedEx", "DPD", "PostNL", "GLS"))
    service = w.pick(("standard", "express", "overnight", "economy"))
    shipment = f"SHP-{w.between(100000, 999999)}"
    shipped = w.day()
    eta = shipped + dt.timedelta(days={"overnight": 1, "express": 2, "standard": 4, "economy": 7}[service])
    sender = w.pick(("Vertex Outdoor", "Orchard Foods", "Willow Studio", "Acme Robotics"))
    s_city, s_country, _ = w.city()
    first, last = w.person()
    r_city, r_country, postcode = w.city()
    street = w.street()
    phone = w.phone() if w.chance(0.5) else None
    packages = []
    for _ in range(w.between(1, 3)):
        kg = round(w.rng.uniform(0.3, 25), 1)
        contents = w.pick(CONTENTS) if w.chance(0.6) else None
        fragile = contents in ("ceramic vases", "wine glasses", "laptop") or w.chance(0.15)
        packages.append((f"{carrier[:2].upper()}{w.between(10**9, 10**10 - 1)}", kg, fragile, contents))
    signature = w.chance(0.5)
    insured = float(w.between(2, 40) * 50) if w.chance(0.4) else None
    currency = w.pick(("EUR", "USD", "GBP"))
    w.tag("implied-bool")
    shipped_text = w.date(shipped, ("eu", "iso", "us", "short"))
    eta_text = w.date(eta, ("weekday", "eu", "iso", "us_ord"))
    order_ref = w.code("PO-", 6)

    def weight(kg: float) -> str:
        if kg < 1 and w.chance(0.6):
            w.tag("unit-convert")
            return f"{round(kg * 1000):d} g"
        return f"{kg:g} kg"

    rows = [(t, weight(kg), fragile, c) for t, kg, fragile, c in packages]
    table = "\n".join(
        f"{n}. {t}  {wt}" + ("  FRAGILE" if fr else "") + (f"  ({c})" if c else "")
        for n, (t, wt, fr, c) in enumerate(rows, 1)
    )
    sign_text = (
        w.pick(("Signature required on delivery.", "An adult must sign for this shipment."))
        if signature
        else w.pick(("No signature needed - may be left with a neighbour.", "Signature: not required"))
    )
    service_text = {
        "standard": "Standard",
        "express": "Express",
        "overnight": "Overnight",
        "economy": "Economy",
    }[service]
    recipient = f"{first} {last}\n{street}\n{postcode} {r_city}\n{r_country}" + (
        f"\nTel. {phone}" if phone else ""
    )
    note = (
        "Packages not marked FRAGILE are not fragile."
        if any(fr for _, _, fr, _ in rows)
        else "Nothing fragile."
    )
    text = w.pick(
        (
            f"Shipping notice {shipment} (your order {order_ref})\n\n{sender} has shipped your order with "
            f"{carrier} "
            f"{service_text} on {shipped_text}. Estimated delivery: {eta_text}.\n\nShip from: {sender}, "
            f"{s_city}, "
            f"{s_country}\nShip to:\n{recipient}\n\nPackages ({len(rows)}):\n{table}\n{note}\n\n{sign_text}"
            + (f"\nInsured for {w.money(insured, currency)}." if insured else ""),
            f"ADVANCE SHIPPING NOTICE\nShipment: {shipment}\nCarrier / service: {carrier} / {service_text}\n"
            f"Dispatched: {shipped_text}\nETA: {eta_text}\nFrom: {sender} ({s_city}, "
            f"{s_country})\n\nDeliver to:\n"
            f"{recipient}\n\n{table}\n{note}\n{sign_text}"
            + (f"\nDeclared value: {w.money(insured, currency)}" if insured else "")
            + f"\nRef: {order_ref}",
        )
    )
    return w.draft(
        text,
        keep(
            {
                "shipment_id": shipment,
                "carrier": carrier,
                "service": service,
                "ship_date": shipped.isoformat(),
                "estimated_delivery": eta.isoformat(),
                "sender": {"name": sender, "city": s_city, "country": s_country},
                "recipient": keep(
                    {
                        "name": f"{first} {last}",
                        "street": street,
                        "city": r_city,
                        "postcode": postcode,
                        "country": r_country,
                        "phone": phone,
                    }
                ),
                "packages": [
                    keep({"tracking_number": t, "weight_kg": kg, "fragile": fr, "contents": c})
                    for t, kg, fr, c in packages
                ],
                "signature_required": signature,
                "insured_value": insured,
            }
        ),
    )


SPECS = [
    Spec("parcel_status", "simple", PARCEL_STATUS, parcel_status, 8),
    Spec("shipping_notice", "complex", SHIPPING_NOTICE, shipping_notice, 6),
]
