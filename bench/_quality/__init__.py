"""Generators of the extraction quality tasks, one module per domain; ``bench/quality_tasks.py`` uses them."""

from __future__ import annotations

from . import bookings, home, money, notes, ops, people, shipping, shopping, tickets
from .writer import Draft, Spec, Writer

# The order of the task file: simple, then medium, then complex.  Append new schemas: old tasks stay the same.
ORDER = (
    "log_entry",
    "sensor_reading",
    "contact_card",
    "bank_transaction",
    "restaurant_reservation",
    "server_alert",
    "parcel_status",
    "recipe_meta",
    "support_ticket",
    "job_posting",
    "medical_appointment",
    "event_registration",
    "leave_request",
    "product_listing",
    "real_estate_listing",
    "bug_report",
    "invoice",
    "receipt",
    "it_ticket",
    "shipping_notice",
    "meeting_notes",
    "flight_booking",
    "order_confirmation",
    "expense_report",
)
_ALL = {
    spec.name: spec
    for module in (ops, tickets, money, shopping, shipping, people, bookings, notes, home)
    for spec in module.SPECS
}
SPECS: list[Spec] = [_ALL[name] for name in ORDER]
if len(SPECS) != len(_ALL):
    raise RuntimeError(f"schemas missing from ORDER: {sorted(set(_ALL) - set(ORDER))}")

__all__ = ["SPECS", "Draft", "Spec", "Writer"]
