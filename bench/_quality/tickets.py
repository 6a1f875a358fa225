"""Help-desk tickets: a customer's support request, an IT ticket listing several devices."""

from __future__ import annotations

from .writer import (
    EMAIL,
    STRING,
    STRINGS,
    Draft,
    Spec,
    Writer,
    array,
    keep,
    obj,
)

# -- customer support ticket ---------------------------------------------------------------------------------
SUPPORT_TICKET = obj(
    {
        "ticket_id": STRING,
        "customer_name": STRING,
        "customer_email": EMAIL,
        "product": STRING,
        "category": {
            "type": "string",
            "enum": ["billing", "technical", "account", "shipping", "other"],
            "description": "what the problem is about",
        },
        "priority": {"type": "string", "enum": ["low", "normal", "high", "urgent"], "default": "normal"},
        "subject": {"type": "string", "description": "the subject line"},
        "order_number": STRING,
        "created_at": {"type": "string", "format": "date-time"},
        "refund_requested": {"type": "boolean", "description": "the customer asks for money back"},
        "tags": {**STRINGS, "description": "labels on the ticket"},
    },
    ["ticket_id", "customer_name", "product", "category", "subject", "created_at", "refund_requested"],
)
PRODUCTS = (
    "Genie Cloud Pro",
    "Pinecrest Desktop 4",
    "Northwind Smart Thermostat",
    "Helios Solar App",
    "Orchard Meal Box",
)
ISSUES = (  # (category, subject, body, refund?, refund sentence)
    (
        "billing",
        "Charged twice for my {month} invoice",
        "I was charged twice for the same invoice this month, both on my Visa.",
        True,
        "Please refund the duplicate charge.",
    ),
    (
        "billing",
        "Wrong VAT on invoice",
        "The invoice shows 21% VAT but we are a registered business in another EU country.",
        False,
        "No refund needed, just send a corrected invoice.",
    ),
    (
        "shipping",
        "Package never arrived",
        "My order was supposed to arrive last week and the tracking has not moved for six days.",
        True,
        "I'd like a full refund instead of waiting any longer.",
    ),
    (
        "shipping",
        "Parcel delivered to the wrong address",
        "The tracking says delivered but it went to number 14, not my house.",
        False,
        "Please just resend it, I don't want a refund.",
    ),
    (
        "account",
        "Can't log in after password reset",
        "Since I reset my password yesterday the login page says my account is locked.",
        False,
        "I don't need anything refunded, I just need access again.",
    ),
    (
        "technical",
        "App crashes when exporting to PDF",
        "Since the last update the app closes every time I export a report to PDF.",
        False,
        "Not asking for money back, I just need this fixed.",
    ),
    (
        "technical",
        "Device keeps disconnecting from Wi-Fi",
        "It drops off the network every few hours and I have to restart it.",
        True,
        "If you cannot fix it I want to return it for my money back.",
    ),
    (
        "other",
        "Question about data retention",
        "How long do you keep my usage data after I close the account?",
        False,
        "(Not a complaint and not asking for a refund.)",
    ),
)


def support_ticket(w: Writer, trap: bool) -> Draft:
    first, last = w.person()
    name = f"{first} {last}"
    email = w.email(first, last)
    email_text = email.replace("@", " at ").replace(".", " dot ") if trap else email
    category, subject, body, refund, refund_text = w.pick(ISSUES)
    subject = subject.format(month=w.pick(("March", "April", "May")))
    ticket = w.code("TCK-", 5)
    product = w.pick(PRODUCTS)
    priority = w.pick(("low", "normal", "high", "urgent")) if w.chance(0.6) else None
    order = (
        f"{w.between(100, 999)}-{w.between(10000, 99999)}" if category in ("billing", "shipping") else None
    )
    tags = (
        w.sample(("vip", "churn-risk", "eu", "escalated", "follow-up"), w.between(1, 3))
        if w.chance(0.5)
        else None
    )
    stamp, expected_stamp = w.moment(w.instant(), ("iso_space", "iso_t", "words", "iso_z"))
    w.tag("implied-enum", "implied-bool")
    if trap:
        w.tag("bad-format", "optional-absent")
    agent = " ".join(w.person())
    previous = w.code("TCK-", 5)
    headers = [f"Product: {product}", f"Opened: {stamp}"]
    if priority:
        headers.append(f"Priority: {priority.capitalize()}")
    if tags:
        headers.append("Labels: " + ", ".join(tags))
    order_line = f" Order number {order}." if order else ""
    message = f"Hi,\n\n{body}{order_line} {refund_text}\n\nThanks,\n{first}"
    text = w.pick(
        (
            f"Ticket {ticket}\nFrom: {name} <{email_text}>\nSubject: {subject}\n"
            + "\n".join(w.shuffled(headers))
            + f"\n\n{message}\n\n(Previous ticket {previous} was closed.)",
            f"---------- Forwarded message ---------\nFrom: {name} <{email_text}>\nSubject: "
            f"{subject}\n\n{message}\n"
            f"----------\nLogged by {agent} as {ticket}.\n" + "\n".join(w.shuffled(headers)),
        )
    )
    return w.draft(
        text,
        keep(
            {
                "ticket_id": ticket,
                "customer_name": name,
                "customer_email": None if trap else email,
                "product": product,
                "category": category,
                "priority": priority,
                "subject": subject,
                "order_number": order,
                "created_at": expected_stamp,
                "refund_requested": refund,
                "tags": tags,
            }
        ),
    )


# -- IT ticket with devices ---------------------------------------------------------------------------------
IT_TICKET = obj(
    {
        "ticket_id": STRING,
        "opened_at": {"type": "string", "format": "date-time"},
        "priority": {"type": "string", "enum": ["P1", "P2", "P3", "P4"]},
        "status": {"type": "string", "enum": ["new", "in progress", "waiting on user", "resolved"]},
        "requester": obj(
            {
                "name": STRING,
                "email": EMAIL,
                "department": {
                    "type": "string",
                    "enum": ["Finance", "Sales", "Engineering", "HR", "Operations", "Marketing"],
                },
            },
            ["name", "email", "department"],
        ),
        "devices": array(
            obj(
                {
                    "hostname": STRING,
                    "type": {
                        "type": "string",
                        "enum": ["laptop", "desktop", "phone", "printer", "monitor", "dock"],
                    },
                    "serial": STRING,
                    "ip": {"type": "string", "format": "ipv4"},
                    "issue": {
                        "type": "string",
                        "description": "what is wrong with this device, as the requester says",
                    },
                },
                ["hostname", "type", "serial", "issue"],
            )
        ),
        "location": obj(
            {"building": STRING, "floor": {"type": "integer", "minimum": 0}}, ["building", "floor"]
        ),
    },
    ["ticket_id", "opened_at", "priority", "status", "requester", "devices"],
)
DEVICE_ISSUES = {
    "laptop": (
        "won't connect to the VPN",
        "battery drains in under an hour",
        "fans are very loud since the update",
    ),
    "desktop": ("showed a blue screen twice", "takes 10 minutes to boot"),
    "phone": ("stopped syncing my calendar", "screen cracked after a drop"),
    "printer": ("shows a paper jam but there's no paper stuck", "prints blank pages"),
    "monitor": ("flickers when plugged into the dock", "shows no signal on HDMI"),
    "dock": ("doesn't charge the laptop anymore", "has dead USB ports"),
}
DEVICE_WORDS = {
    "laptop": ("laptop", "notebook"),
    "desktop": ("desktop PC", "workstation"),
    "phone": ("work phone", "mobile"),
    "printer": ("printer",),
    "monitor": ("monitor", "screen"),
    "dock": ("docking station", "dock"),
}
STATUS_TEXT = {
    "new": ("New",),
    "in progress": ("In progress", "Work in progress"),
    "waiting on user": ("Waiting on user", "Pending - waiting for requester"),
    "resolved": ("Resolved",),
}


def it_ticket(w: Writer, trap: bool) -> Draft:
    first, last = w.person()
    name = f"{first} {last}"
    email = w.email(first, last, "pinecrest.io")
    department = w.pick(("Finance", "Sales", "Engineering", "HR", "Operations", "Marketing"))
    ticket = f"INC{w.between(10000, 99999):07d}"
    stamp, expected_stamp = w.moment(w.instant(), ("iso_space", "iso_t", "words"))
    priority = w.pick(("P1", "P2", "P3", "P4"))
    status = w.pick(tuple(STATUS_TEXT))
    kinds = w.sample(tuple(DEVICE_ISSUES), w.between(2, 3))
    devices = []
    for n, kind in enumerate(kinds):
        host = f"{department[:3].upper()}-{kind[:2].upper()}-{w.between(1, 999):04d}"
        serial = (
            f"{w.pick(('5CD', 'C02', 'VNB', 'SN'))}{w.between(100000, 999999)}{w.pick(('XY', 'QK', 'LM'))}"
        )
        ip = w.ipv4() if kind in ("laptop", "desktop", "printer", "phone") and w.chance(0.7) else None
        ip_text = ip
        if trap and n == 0:
            ip = None
            ip_text = f"10.{w.between(0, 40)}.{w.between(0, 254)}.{w.between(256, 399)}"
        devices.append(
            (host, kind, serial, ip, ip_text, w.pick(DEVICE_ISSUES[kind]), w.pick(DEVICE_WORDS[kind]))
        )
    if trap:
        w.tag("bad-format", "optional-absent")
    located = w.chance(0.6)
    building, floor = f"Building {w.pick(('A', 'B', 'C', 'North'))}", w.between(0, 9)
    floor_text = w.count(floor, 0.3) if floor else "ground"
    if floor == 0:
        w.tag("implied-number")
    w.tag("implied-enum")
    bullets = "\n".join(
        f"- my {word} {host} (serial {serial}" + (f", IP {ip_text}" if ip_text else "") + f") {issue}"
        for host, _, serial, _, ip_text, issue, word in devices
    )
    colleague = " ".join(w.person())
    body = (
        f"Hi IT,\n\nsince this morning:\n{bullets}\n\n{colleague} next to me has the same problem but "
        f"will open their own ticket.\n\nThanks,\n{first}"
    )
    head = [
        f"Priority: {priority}",
        f"Status: {w.pick(STATUS_TEXT[status])}",
        f"Opened: {stamp}",
        f"Requester: {name} <{email}> - {department}",
    ]
    if located:
        head.append(f"Location: {building}, floor {floor_text}")
    text = w.pick(
        (
            f"{ticket}\n"
            + "\n".join(w.shuffled(head))
            + f"\n\n{body}\n\nSLA: respond within {w.between(2, 8)} h",
            f"Service desk - {ticket} | {priority} | {w.pick(STATUS_TEXT[status])} | opened {stamp}\n"
            f"From {name} ({email}), {department} department"
            + (f", {building}, floor {floor_text}" if located else "")
            + f"\n\n{body}",
        )
    )
    return w.draft(
        text,
        keep(
            {
                "ticket_id": ticket,
                "opened_at": expected_stamp,
                "priority": priority,
                "status": status,
                "requester": {"name": name, "email": email, "department": department},
                "devices": [
                    keep({"hostname": h, "type": k, "serial": s, "ip": ip, "issue": issue})
                    for h, k, s, ip, _, issue, _ in devices
                ],
                "location": {"building": building, "floor": floor} if located else None,
            }
        ),
    )


SPECS = [
    Spec("support_ticket", "medium", SUPPORT_TICKET, support_ticket, 7, has_trap=True),
    Spec("it_ticket", "complex", IT_TICKET, it_ticket, 6, has_trap=True),
]
