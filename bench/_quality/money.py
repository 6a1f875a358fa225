"""Money: bank notifications, invoices with line items, expense claims."""

from __future__ import annotations

import datetime as dt

from .writer import (
    DATE,
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

# -- bank transaction ---------------------------------------------------------------------------------------
BANK_TRANSACTION = obj(
    {
        "date": {"type": "string", "format": "date"},
        "amount": {"type": "number", "exclusiveMinimum": 0, "description": "amount, always positive"},
        "currency": {"type": "string", "enum": ["USD", "EUR", "GBP", "CHF"]},
        "merchant": {"type": "string", "description": "shop, company or person on the other side"},
        "direction": {
            "type": "string",
            "enum": ["debit", "credit"],
            "description": "debit when money left the account, credit when it came in",
        },
    },
    ["date", "amount", "currency", "merchant", "direction"],
)
MERCHANTS = (
    "BLUE BOTTLE COFFEE",
    "TESCO STORES 3121",
    "Amazon Marketplace",
    "Shell Station 44",
    "Uber Trip",
    "Spotify AB",
    "IKEA Amsterdam",
    "City Parking Ltd",
)
PAYERS = ("ACME GMBH", "Northwind Traders", "Maria Lopez", "HMRC Tax Refund", "Pinecrest Software")


def bank_transaction(w: Writer, trap: bool) -> Draft:
    day = w.day()
    currency = w.pick(("USD", "EUR", "GBP", "CHF"))
    direction = w.pick(("debit", "debit", "credit"))
    amount = w.price(2, 400) if direction == "debit" else w.price(100, 4000)
    merchant = w.pick(MERCHANTS if direction == "debit" else PAYERS)
    balance = w.money(w.price(200, 9000), currency, ("symbol", "code_before"))
    money = w.money(amount, currency)
    when = w.date(day, ("short", "iso", "us", "dotted", "eu"))
    card = f"{w.between(0, 9999):04d}"
    if direction == "debit":
        w.tag("implied-enum")
        text = w.pick(
            (
                f"Riverstone Bank: You made a {money} purchase at {merchant} on {when} with card ending "
                f"{card}. "
                f"Available balance {balance}.",
                f"{when}   CARD {card}   {merchant}   -{w.money(amount, currency, ('plain',))} {currency}   "
                f"bal {balance}",
                f"Payment of {money} to {merchant} was taken from your account on {when}. Not you? Call us.",
            )
        )
    else:
        text = w.pick(
            (
                f"Incoming transfer: {money} from {merchant} credited to your account on {when}. "
                f"New balance {balance}.",
                f"{when}   TRANSFER IN   {merchant}   +{w.money(amount, currency, ('plain',))} {currency}   "
                f"bal {balance}",
            )
        )
    return w.draft(
        text,
        {
            "date": day.isoformat(),
            "amount": amount,
            "currency": currency,
            "merchant": merchant,
            "direction": direction,
        },
    )


# -- invoice ----------------------------------------------------------------------------------------------
INVOICE = obj(
    {
        "invoice_number": STRING,
        "issue_date": DATE,
        "due_date": DATE,
        "currency": {"type": "string", "enum": ["USD", "EUR", "GBP"]},
        "vendor": obj({"name": STRING, "email": EMAIL, "vat_id": STRING}, ["name"]),
        "customer": obj(
            {
                "name": STRING,
                "address": obj(
                    {"street": STRING, "city": STRING, "postcode": STRING, "country": STRING},
                    ["street", "city", "country"],
                ),
            },
            ["name"],
        ),
        "line_items": array(
            obj(
                {
                    "description": STRING,
                    "quantity": {"type": "integer", "minimum": 1},
                    "unit_price": MONEY,
                    "vat_rate": {"type": "string", "enum": ["standard", "reduced", "zero"]},
                },
                ["description", "quantity", "unit_price", "vat_rate"],
            )
        ),
        "subtotal": {**MONEY, "description": "total before tax"},
        "tax": MONEY,
        "total": {**MONEY, "description": "total including tax"},
        "paid": {"type": "boolean", "description": "the invoice has been paid"},
    },
    ["invoice_number", "issue_date", "currency", "vendor", "customer", "line_items", "total", "paid"],
)
INVOICE_LINES = (
    ("Ergonomic keyboard", 89.0, "standard"),
    ("USB-C docking station", 149.0, "standard"),
    ("Printed user manuals", 4.5, "zero"),
    ("Children's safety helmets", 32.0, "reduced"),
    ("Consulting (hours)", 95.0, "standard"),
    ("Annual software licence", 480.0, "standard"),
    ("Catering - sandwich platter", 38.5, "reduced"),
    ("Textbooks - set of 5", 61.0, "zero"),
    ("Office chair repair", 120.0, "standard"),
    ("Energy-saving light bulbs", 6.25, "reduced"),
)
VAT = {"standard": 0.2, "reduced": 0.05, "zero": 0.0}
VAT_CODE = {"standard": "S", "reduced": "R", "zero": "Z"}


def invoice(w: Writer, trap: bool) -> Draft:
    vendor = w.pick(("Northwind Traders", "Quarry & Co", "Copperleaf Design", "Orchard Foods"))
    vendor_email = f"accounts@{w.company_domain(vendor)}" if w.chance(0.7) or trap else None
    vendor_email_text = (
        vendor_email.replace("@", " at ").replace(".", " dot ") if trap and vendor_email else vendor_email
    )
    vat_id = f"GB{w.between(100000000, 999999999)}" if w.chance(0.6) else None
    first, last = w.person()
    customer = w.pick((f"{first} {last}", w.pick(("Bluebird Analytics", "Tidewater Labs", "Helios Energy"))))
    city, country, postcode = w.city()
    street = w.street()
    with_address = w.chance(0.7)
    issued = w.day()
    number = f"INV-{issued.year}-{w.between(1, 9999):04d}"
    due = issued + dt.timedelta(days=w.pick((14, 30, 45))) if w.chance(0.7) else None
    currency = w.pick(("EUR", "GBP", "USD"))
    lines = [
        (desc, w.between(1, 12) if price < 100 else w.between(1, 3), price, rate)
        for desc, price, rate in w.sample(INVOICE_LINES, w.between(2, 4))
    ]
    subtotal = round(sum(q * p for _, q, p, _ in lines), 2)
    tax = round(sum(q * p * VAT[r] for _, q, p, r in lines), 2)
    total = round(subtotal + tax, 2)
    paid = w.chance(0.5)
    w.tag("implied-bool", "enum-code")
    if trap:
        w.tag("bad-format", "optional-absent")

    def m(amount: float) -> str:
        return w.money(amount, currency, ("symbol",))

    issued_text = w.date(issued, ("eu", "iso", "us", "dotted"))
    due_text = w.date(due, ("eu", "iso", "us", "dotted")) if due else ""
    pay_text = (
        w.pick(("PAID IN FULL - thank you!", f"Paid by card on {issued_text}."))
        if paid
        else w.pick(
            (
                f"Amount due: {m(total)}. Please pay by bank transfer to IBAN GB33 BUKB 2020 1555 5555 55.",
                "Payment outstanding - please quote the invoice number.",
            )
        )
    )
    header = [vendor, *(x for x in (vendor_email_text, f"VAT no. {vat_id}" if vat_id else None) if x)]
    bill_to = [customer] + ([f"{street}, {postcode} {city}, {country}"] if with_address else [])
    table = "\n".join(f"{d:<30} {q:>3}  {m(p):>10}  {VAT_CODE[r]}" for d, q, p, r in lines)
    if w.chance(0.6):
        text = (
            "\n".join(header)
            + f"\n\nINVOICE {number}\nDate: {issued_text}"
            + (f"    Due: {due_text}" if due else "")
            + "\n\nBill to:\n"
            + "\n".join(bill_to)
            + f"\n\n{'Description':<30} Qty  Unit price  VAT\n{table}\n\n"
            "VAT codes: S = standard (20%), R = reduced (5%), Z = zero-rated\n"
            f"Subtotal {m(subtotal)}\nVAT {m(tax)}\nTOTAL {m(total)}\n\n{pay_text}\n"
            f"Customer no. {w.between(1000, 9999)} · Page 1 of 1"
        )
    else:
        items = "\n".join(
            f"- {d}: {w.count(q, 0.4)} at {m(p)} each ({r}{' rate' if r != 'zero' else '-rated'} VAT)"
            for d, q, p, r in lines
        )
        text = (
            f"Hello {customer},\n\nplease find attached invoice {number} dated {issued_text}"
            + (f", payable by {due_text}" if due else "")
            + f".\n\n{items}\n\n"
            f"Subtotal {m(subtotal)}, VAT {m(tax)}, total {m(total)}. {pay_text}\n"
            + (f"Delivery address on file: {street}, {postcode} {city}, {country}.\n" if with_address else "")
            + f"\nKind regards,\n{vendor}"
            + (f"\n{vendor_email_text}" if vendor_email_text else "")
            + (f"\nVAT no. {vat_id}" if vat_id else "")
        )
    return w.draft(
        text,
        keep(
            {
                "invoice_number": number,
                "issue_date": issued.isoformat(),
                "due_date": due.isoformat() if due else None,
                "currency": currency,
                "vendor": keep({"name": vendor, "email": None if trap else vendor_email, "vat_id": vat_id}),
                "customer": keep(
                    {
                        "name": customer,
                        "address": {"street": street, "city": city, "postcode": postcode, "country": country}
                        if with_address
                        else None,
                    }
                ),
                "line_items": [
                    {"description": d, "quantity": q, "unit_price": p, "vat_rate": r} for d, q, p, r in lines
                ],
                "subtotal": subtotal,
                "tax": tax,
                "total": total,
                "paid": paid,
            }
        ),
    )


# -- expense report ------------------------------------------------------------------------------------------
EXPENSE_REPORT = obj(
    {
        "employee": obj({"name": STRING, "email": EMAIL, "employee_id": STRING}, ["name", "email"]),
        "submitted_on": DATE,
        "trip": obj({"destination": STRING, "purpose": STRING}, ["destination", "purpose"]),
        "expenses": array(
            obj(
                {
                    "date": DATE,
                    "category": {
                        "type": "string",
                        "enum": ["travel", "meals", "lodging", "supplies", "other"],
                    },
                    "description": STRING,
                    "amount": MONEY,
                    "currency": {"type": "string", "enum": ["USD", "EUR", "GBP", "JPY"]},
                    "receipt_attached": {"type": "boolean"},
                },
                ["date", "category", "description", "amount", "currency", "receipt_attached"],
            )
        ),
        "total_claimed": MONEY,
        "approver_email": EMAIL,
    },
    ["employee", "submitted_on", "expenses", "total_claimed"],
)
EXPENSES = (
    ("travel", "Train to the client site", 40, 180),
    ("travel", "Taxi from the airport", 25, 70),
    ("travel", "Return flight", 120, 480),
    ("lodging", "Hotel, 2 nights", 180, 420),
    ("lodging", "Airbnb, 3 nights", 240, 510),
    ("meals", "Team dinner (4 people)", 90, 260),
    ("meals", "Lunch with the customer", 30, 95),
    ("supplies", "Printer paper and markers", 12, 45),
    ("other", "Conference Wi-Fi pass", 10, 30),
)


def expense_report(w: Writer, trap: bool) -> Draft:
    first, last = w.person()
    name = f"{first} {last}"
    email = w.email(first, last, "fjord.io")
    employee_id = f"E-{w.between(10000, 99999)}" if w.chance(0.6) else None
    city, country, _ = w.city()
    purpose = w.pick(("client workshop with Helios Energy", "trade fair", "quarterly team offsite"))
    with_trip = w.chance(0.7)
    currency = "JPY" if city == "Osaka" else w.pick(("EUR", "GBP", "USD"))
    start = w.day()
    explicit = w.chance(0.5)  # a Category column; otherwise the category is read from the description
    choices = (
        EXPENSES if explicit else [e for e in EXPENSES if e[0] != "other"]
    )  # "other" is a judgement call
    expenses = []
    for n, (cat, desc, low, high) in enumerate(w.sample(choices, w.between(3, 5))):
        amount = float(w.between(low, high) * 150) if currency == "JPY" else w.price(low, high)
        expenses.append((start + dt.timedelta(days=min(n, 3)), cat, desc, amount, w.chance(0.75)))
    total = round(sum(e[3] for e in expenses), 2)
    submitted = start + dt.timedelta(days=w.between(5, 20))
    approver = w.email(*w.person(), "fjord.io") if w.chance(0.5) else None
    w.tag("implied-bool")
    if not explicit:
        w.tag("implied-enum")

    def m(amount: float) -> str:
        if currency == "JPY":
            return f"¥{amount:,.0f}"
        return w.money(amount, currency, ("symbol", "code_after"))

    if explicit:
        rows = "\n".join(
            f"{d.isoformat()}  {c:<9} {desc:<28} {m(a):>12}  {'yes' if r else 'missing'}"
            for d, c, desc, a, r in expenses
        )
        body = f"Date        Category  Description                  Amount        Receipt\n{rows}"
    else:
        body = "\n".join(
            f"- {w.date(d, ('eu', 'short'))}: {desc}, {m(a)}" + ("" if r else " (receipt lost)")
            for d, c, desc, a, r in expenses
        )
        body += "\nReceipts attached unless noted."
    text = (
        f"Expense claim - {name} ({email}"
        + (f", ID {employee_id}" if employee_id else "")
        + ")\n"
        + (f"Trip: {city}, {country} - {purpose}\n" if with_trip else "")
        + f"Submitted {w.date(submitted)}\n\n{body}\n\nTotal claimed: {m(total)}\n"
        + (f"Approver: {approver}\n" if approver else "")
        + f"Cost centre {w.between(100, 999)} · mileage not included"
    )
    return w.draft(
        text,
        keep(
            {
                "employee": keep({"name": name, "email": email, "employee_id": employee_id}),
                "submitted_on": submitted.isoformat(),
                "trip": {"destination": f"{city}, {country}", "purpose": purpose} if with_trip else None,
                "expenses": [
                    {
                        "date": d.isoformat(),
                        "category": c,
                        "description": desc,
                        "amount": a,
                        "currency": currency,
                        "receipt_attached": r,
                    }
                    for d, c, desc, a, r in expenses
                ],
                "total_claimed": total,
                "approver_email": approver,
            }
        ),
    )


SPECS = [
    Spec("bank_transaction", "simple", BANK_TRANSACTION, bank_transaction, 8),
    Spec("invoice", "complex", INVOICE, invoice, 6, has_trap=True),
    Spec("expense_report", "complex", EXPENSE_REPORT, expense_report, 6),
]
