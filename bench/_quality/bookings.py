"""Bookings: restaurant tables, event tickets, flights."""

from __future__ import annotations

import datetime as dt

from .writer import (
    DATE_TIME,
    EMAIL,
    MONEY,
    STRING,
    Draft,
    Spec,
    Writer,
    array,
    keep,
    obj,
)

# -- restaurant reservation ---------------------------------------------------------------------------------
RESERVATION = obj(
    {
        "name": {"type": "string", "description": "name the table is booked under"},
        "party_size": {"type": "integer", "minimum": 1, "maximum": 20},
        "date": {"type": "string", "format": "date"},
        "time": {"type": "string", "format": "time"},
        "phone": {"type": "string"},
    },
    ["name", "party_size", "date", "time"],
)


def reservation(w: Writer, trap: bool) -> Draft:
    first, last = w.person()
    name = w.pick((f"{first} {last}", last))
    size = w.between(1, 12)
    size_text = w.count(size, 0.6)
    day = w.day(dt.date(2025, 1, 1), 500)
    when = w.date(day, ("us", "us_ord", "weekday", "eu", "iso"))
    clock, expected_time = w.clock(w.between(12, 21), w.pick((0, 15, 30, 45)), styles=("24", "12", "12"))
    phone = w.phone() if w.chance(0.6) else None
    last_time = w.between(2, 8)
    text = w.pick(
        (
            f"Hi! Could I book a table for {size_text} on {when} at {clock}? Name's {name}."
            + (f" My number is {phone}." if phone else "")
            + f" Last time we were {last_time} and loved it.",
            f"RESERVATION REQUEST (web form)\nGuests: {size_text}\nDate: {when}\nTime: {clock}\nName: "
            f"{name}\n"
            + (f"Phone: {phone}\n" if phone else "")
            + "Notes: window seat if possible, it's a birthday",
            f"hello, {name} here" + (f" ({phone})" if phone else "") + f" - we'd like to come {when}, "
            f"{clock}, party of {size_text}. Table 14 again if it's free!",
        )
    )
    return w.draft(
        text,
        keep(
            {"name": name, "party_size": size, "date": day.isoformat(), "time": expected_time, "phone": phone}
        ),
    )


# -- event registration -------------------------------------------------------------------------------------
EVENT_REGISTRATION = obj(
    {
        "registration_id": {"type": "string", "format": "uuid"},
        "event_name": STRING,
        "attendee": obj(
            {"first_name": STRING, "last_name": STRING, "email": EMAIL, "company": STRING},
            ["first_name", "last_name", "email"],
        ),
        "ticket_type": {"type": "string", "enum": ["standard", "vip", "student", "speaker"]},
        "quantity": {"type": "integer", "minimum": 1, "maximum": 10, "default": 1},
        "total_price": {"type": "number", "minimum": 0, "description": "total price of the tickets"},
        "paid": {"type": "boolean", "description": "whether the payment has been received"},
        "dietary_requirement": {
            "type": "string",
            "enum": ["none", "vegetarian", "vegan", "gluten-free", "halal", "kosher"],
        },
        "tshirt_size": {"type": "string", "enum": ["XS", "S", "M", "L", "XL", "XXL"]},
    },
    ["registration_id", "event_name", "attendee", "ticket_type", "total_price", "paid"],
)
EVENTS = (
    "Northwind Summit 2025",
    "Open Data Days Vienna",
    "Helios Developer Conference",
    "Copperleaf Design Week",
    "PyHarbour Meetup #42",
)
TICKETS = {
    "standard": ("Standard", "General admission"),
    "vip": ("VIP", "VIP pass"),
    "student": ("Student", "Student ticket"),
    "speaker": ("Speaker",),
}


def event_registration(w: Writer, trap: bool) -> Draft:
    first, last = w.person()
    company = w.pick(("Acme Robotics", "Bluebird Analytics", "Willow Studio", None))
    email = w.email(first, last, w.company_domain(company) if company else None)
    reg_id = w.uuid()
    reg_text = f"REG-{w.between(1000, 9999)}-{w.pick(('AB', 'XK', 'QZ'))}" if trap else reg_id
    event = w.pick(EVENTS)
    ticket = w.pick(("standard", "vip", "student"))  # speakers do not pay: the enum value stays unused
    quantity = w.pick((1, 1, 2, 3, 4))
    unit = {"standard": 120.0, "vip": 450.0, "student": 45.0}[ticket] + w.pick((0, 25, 49))
    total = round(unit * quantity, 2)
    currency = w.pick(("EUR", "USD", "GBP"))
    paid = w.chance(0.6)
    w.tag("implied-bool")
    price = w.money(total, currency)
    pay_line = (
        w.pick((f"Payment received: {price} - thank you!", f"Paid in full ({price}) by card."))
        if paid
        else w.pick(
            (
                f"Amount due: {price}. Please pay within 14 days.",
                f"Invoice for {price} to follow; pay before the event.",
            )
        )
    )
    diet = w.pick(("none", "vegetarian", "vegan", "gluten-free", "halal", "kosher", None, None))
    diet_text = {None: "", "none": "Dietary requirements: none"}.get(diet, f"Dietary requirements: {diet}")
    size = w.pick(("XS", "S", "M", "L", "XL", "XXL", None))
    early_bird = w.date(w.day(dt.date(2024, 9, 1), 60), ("eu",))
    lines = [
        f"Name: {first} {last}",
        f"Email: {email}",
        f"Tickets: {quantity} × {w.pick(TICKETS[ticket])}",
        pay_line,
    ]
    if company:
        lines.append(f"Company: {company}")
    if diet_text:
        lines.append(diet_text)
    if size:
        lines.append(f"T-shirt: {size}")
    text = w.pick(
        (
            f"Subject: Your registration for {event}\n\nHi {first},\n\nthanks for registering! Your "
            "details:\n\n"
            + "\n".join([lines[0], *w.shuffled(lines[1:])])
            + f"\nRegistration ID: {reg_text}\n\nEarly-bird pricing ended on {early_bird}. See you there!",
            f"{event} - registration {reg_text}\n"
            + "\n".join(w.shuffled(lines))
            + f"\nDoors open 08:30, {w.between(200, 900)} attendees expected.",
        )
    )
    if trap:
        w.tag("bad-format")
        return w.draft(text, None, expect_error=True)
    return w.draft(
        text,
        keep(
            {
                "registration_id": reg_id,
                "event_name": event,
                "attendee": keep(
                    {"first_name": first, "last_name": last, "email": email, "company": company}
                ),
                "ticket_type": ticket,
                "quantity": quantity,
                "total_price": total,
                "paid": paid,
                "dietary_requirement": diet,
                "tshirt_size": size,
            }
        ),
    )


# -- flight booking -----------------------------------------------------------------------------------------
AIRPORT = {"type": "string", "pattern": "^[A-Z]{3}$", "description": "IATA airport code"}
FLIGHT_BOOKING = obj(
    {
        "booking_reference": {"type": "string", "pattern": "^[A-Z0-9]{6}$"},
        "booked_at": DATE_TIME,
        "contact_email": EMAIL,
        "passengers": array(
            obj(
                {
                    "first_name": STRING,
                    "last_name": STRING,
                    "type": {"type": "string", "enum": ["adult", "child", "infant"]},
                    "seat": STRING,
                    "checked_bags": {"type": "integer", "minimum": 0, "maximum": 3},
                },
                ["first_name", "last_name", "type"],
            )
        ),
        "segments": array(
            obj(
                {
                    "flight_number": STRING,
                    "from_airport": AIRPORT,
                    "to_airport": AIRPORT,
                    "departure": {**DATE_TIME, "description": "local departure time"},
                    "arrival": {**DATE_TIME, "description": "local arrival time"},
                    "cabin": {"type": "string", "enum": ["economy", "premium economy", "business", "first"]},
                },
                ["flight_number", "from_airport", "to_airport", "departure", "cabin"],
            )
        ),
        "total_price": MONEY,
        "currency": {"type": "string", "enum": ["EUR", "USD", "GBP"]},
        "refundable": {"type": "boolean"},
    },
    [
        "booking_reference",
        "booked_at",
        "contact_email",
        "passengers",
        "segments",
        "total_price",
        "currency",
        "refundable",
    ],
)
ROUTES = (
    ("LIS", "AMS", 175),
    ("MAD", "CDG", 125),
    ("DUB", "BER", 150),
    ("ORD", "YYZ", 95),
    ("MUC", "OSL", 140),
    ("LHR", "CPH", 115),
    ("FCO", "VIE", 100),
    ("WAW", "ARN", 110),
)


def flight_booking(w: Writer, trap: bool) -> Draft:
    ref = "".join(w.pick("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6))
    booked, booked_expected = w.moment(
        w.instant(dt.date(2024, 6, 1), 200), ("iso_space", "words", "iso_offset")
    )
    airline = w.pick(("ZE", "NW", "HX", "QP"))
    origin, dest, minutes = w.pick(ROUTES)
    out = w.instant(dt.date(2025, 1, 10), 300, seconds=False).replace(hour=w.between(6, 16))
    back = out + dt.timedelta(days=w.between(2, 14), hours=w.between(-3, 3))
    legs = [(origin, dest, out)] + ([(dest, origin, back)] if w.chance(0.7) else [])
    cabin = w.pick(("economy", "economy", "premium economy", "business", "first"))
    cabin_text = {
        "economy": "Economy",
        "premium economy": "Premium Economy",
        "business": "Business",
        "first": "First",
    }[cabin]
    segments = []
    for n, (a, b, dep) in enumerate(legs):
        number = f"{airline} {w.between(100, 2999)}" if w.chance(0.5) else f"{airline}{w.between(100, 2999)}"
        arr = dep + dt.timedelta(minutes=minutes + 5 * n)
        segments.append((number, a, b, dep, arr if w.chance(0.7) else None))
    first, last = w.person()
    party = [(first, last, "adult")]
    if w.chance(0.5):
        party.append(
            (w.pick(("Ana", "Ben", "Leo", "Mia", "Sam")), last, w.pick(("child", "infant", "adult")))
        )
    if w.chance(0.3):
        party.append((w.pick(("Eva", "Max", "Ivy")), w.pick(("Novak", "Silva", "Berg")), "adult"))
    passengers = []
    for pf, pl, kind in party:
        seat = f"{w.between(3, 38)}{w.pick('ABCDEF')}" if kind != "infant" and w.chance(0.7) else None
        bags = w.between(0, 2) if kind != "infant" and w.chance(0.6) else None
        passengers.append((pf, pl, kind, seat, bags))
    currency = w.pick(("EUR", "GBP", "USD"))
    total = round(
        w.rng.uniform(90, 420) * len(party) * len(legs) * (3 if cabin in ("business", "first") else 1), 2
    )
    refundable = w.chance(0.4)
    email = w.email(first, last)
    email_text = email
    if trap:
        w.tag("bad-format")
        email_text = w.pick(("not provided - phone only", "same as last booking"))
    w.tag("implied-bool", "implied-enum")

    def fmt(when: dt.datetime, time_only: bool = False) -> str:
        return when.strftime("%H:%M") if time_only else when.strftime("%a %d %b %Y %H:%M")

    leg_lines = "\n".join(
        f"{num}  {a} → {b}  {fmt(dep)}" + (f" – {fmt(arr, True)}" if arr else "") + f"  {cabin_text}"
        for num, a, b, dep, arr in segments
    )
    kind_text = {"adult": "adult", "child": f"child, {w.between(3, 11)}", "infant": "infant on lap"}
    pax_lines = "\n".join(
        f"{n}. {pf} {pl} ({kind_text[kind]})"
        + (f" - seat {seat}" if seat else "")
        + (f", {w.count(bags, 0.4)} checked bag{'s' if bags != 1 else ''}" if bags is not None else "")
        for n, (pf, pl, kind, seat, bags) in enumerate(passengers, 1)
    )
    fare = (
        "fully refundable Flex fare"
        if refundable
        else w.pick(("Light fare, non-refundable", "no refunds, changes for a fee"))
    )
    price = w.money(total, currency)
    text = (
        f"Booking confirmed - reference {ref}\nBooked {booked}. Contact email: {email_text}\n"
        f"Phone: {w.phone()}\n\nPassengers:\n{pax_lines}\n\nFlights:\n{leg_lines}\n\n"
        f"Total paid: {price} ({fare}).\nFrequent flyer no. {w.code('FF', 8)} earned {w.between(200, 3000)} "
        "miles.\n"
        f"Check-in opens 24 h before departure."
    )
    if trap:
        return w.draft(text, None, expect_error=True)

    def stamp(when: dt.datetime) -> str:
        return when.strftime("%Y-%m-%dT%H:%M:00Z")

    return w.draft(
        text,
        {
            "booking_reference": ref,
            "booked_at": booked_expected,
            "contact_email": email,
            "passengers": [
                keep({"first_name": pf, "last_name": pl, "type": kind, "seat": seat, "checked_bags": bags})
                for pf, pl, kind, seat, bags in passengers
            ],
            "segments": [
                keep(
                    {
                        "flight_number": num,
                        "from_airport": a,
                        "to_airport": b,
                        "departure": stamp(dep),
                        "arrival": stamp(arr) if arr else None,
                        "cabin": cabin,
                    }
                )
                for num, a, b, dep, arr in segments
            ],
            "total_price": total,
            "currency": currency,
            "refundable": refundable,
        },
    )


SPECS = [
    Spec("restaurant_reservation", "simple", RESERVATION, reservation, 8),
    Spec("event_registration", "medium", EVENT_REGISTRATION, event_registration, 7, has_trap=True),
    Spec("flight_booking", "complex", FLIGHT_BOOKING, flight_booking, 6, has_trap=True),
]
