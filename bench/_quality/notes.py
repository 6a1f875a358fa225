"""Notes: (fictional) medical appointments and meeting minutes with attendees and action items."""

from __future__ import annotations

import datetime as dt

from .writer import (
    DATE,
    STRING,
    STRINGS,
    Draft,
    Spec,
    Writer,
    array,
    keep,
    obj,
)

# -- medical appointment (fictional) -------------------------------------------------------------------------
MEDICAL_APPOINTMENT = obj(
    {
        "patient_name": STRING,
        "date_of_birth": DATE,
        "appointment_date": DATE,
        "appointment_time": {"type": "string", "format": "time"},
        "clinician": {"type": "string", "description": "clinician's name as written, with title"},
        "department": {
            "type": "string",
            "enum": [
                "general practice",
                "cardiology",
                "dermatology",
                "orthopedics",
                "pediatrics",
                "physiotherapy",
            ],
        },
        "reason": {"type": "string", "description": "reason for the visit"},
        "follow_up_needed": {"type": "boolean"},
        "allergies": STRINGS,
        "insurance_number": STRING,
    },
    [
        "patient_name",
        "date_of_birth",
        "appointment_date",
        "appointment_time",
        "clinician",
        "department",
        "reason",
        "follow_up_needed",
    ],
)
DEPARTMENTS = {
    "general practice": ("General Practice", "GP"),
    "cardiology": ("Cardiology",),
    "dermatology": ("Dermatology",),
    "orthopedics": ("Orthopedics", "Orthopaedics"),
    "pediatrics": ("Pediatrics", "Paediatrics"),
    "physiotherapy": ("Physiotherapy", "Physio"),
}
VISIT_REASONS = {
    "general practice": "persistent cough for three weeks",
    "cardiology": "palpitations during exercise",
    "dermatology": "itchy rash on both forearms",
    "orthopedics": "knee pain after a fall",
    "pediatrics": "routine 2-year check-up",
    "physiotherapy": "lower back pain rehabilitation",
}


def medical_appointment(w: Writer, trap: bool) -> Draft:
    first, last = w.person()
    patient = f"{first} {last}"
    department = w.pick(tuple(DEPARTMENTS))
    spelled = w.pick(DEPARTMENTS[department])
    if spelled.lower() != department:
        w.tag("enum-spelling")
    born = w.day(
        dt.date(2022, 1, 1) if department == "pediatrics" else dt.date(1945, 1, 1),
        700 if department == "pediatrics" else 20000,
    )
    born_text = w.date(born, ("iso", "eu", "short", "dotted"))
    if trap:
        w.tag("bad-format")
        born_text = w.pick(("not on file", "unknown - ask patient", "??/??/19??"))
    day = w.day(dt.date(2025, 1, 1), 400)
    day_text = w.date(day, ("weekday", "eu", "us", "iso"))
    clock, expected_time = w.clock(w.between(8, 17), w.pick((0, 10, 20, 30, 40, 50)))
    doctor = "Dr. " + " ".join(w.person())
    follow_up = w.chance(0.5)
    follow_text = (
        w.pick((f"Follow-up: in {w.between(2, 8)} weeks", "A follow-up visit will be booked."))
        if follow_up
        else w.pick(("No follow-up required.", "Follow-up: none"))
    )
    w.tag("implied-bool")
    allergies = (
        w.sample(("penicillin", "latex", "peanuts", "ibuprofen"), w.between(1, 2)) if w.chance(0.5) else None
    )
    allergy_text = ", ".join(allergies) if allergies else w.pick(("none known", "NKDA", ""))
    insurance = f"{w.pick(('HX', 'AOK', 'BU'))}-{w.between(10000000, 99999999)}" if w.chance(0.5) else None
    last_visit = w.date(w.day(dt.date(2023, 1, 1), 300), ("eu", "iso"))
    room = w.between(1, 30)
    lines = [
        f"Patient: {patient} (DOB {born_text})",
        f"Clinician: {doctor}, {spelled}",
        f"When: {day_text}, {clock}",
        f"Reason: {VISIT_REASONS[department]}",
    ]
    extra = [follow_text, f"Last visit: {last_visit}"]
    if allergy_text:
        extra.append(f"Allergies: {allergy_text}")
    if insurance:
        extra.append(f"Insurance no.: {insurance}")
    text = w.pick(
        (
            "Lumen Health Clinic - appointment confirmation\n"
            + "\n".join(lines + w.shuffled(extra))
            + f"\nRoom {room}. Please arrive 10 minutes early; call +44 20 7946 0{w.between(100, 999)} to "
            "cancel.",
            f"Reminder for {patient}, born {born_text}: your {spelled} appointment with {doctor} is on "
            f"{day_text} at "
            f"{clock} (reason: {VISIT_REASONS[department]}).\n" + "\n".join(w.shuffled(extra)),
        )
    )
    if trap:
        return w.draft(text, None, expect_error=True)
    return w.draft(
        text,
        keep(
            {
                "patient_name": patient,
                "date_of_birth": born.isoformat(),
                "appointment_date": day.isoformat(),
                "appointment_time": expected_time,
                "clinician": doctor,
                "department": department,
                "reason": VISIT_REASONS[department],
                "follow_up_needed": follow_up,
                "allergies": allergies,
                "insurance_number": insurance,
            }
        ),
    )


# -- meeting notes -------------------------------------------------------------------------------------------
MEETING_NOTES = obj(
    {
        "title": STRING,
        "date": DATE,
        "start_time": {"type": "string", "format": "time"},
        "end_time": {"type": "string", "format": "time"},
        "location": STRING,
        "attendees": array(
            obj(
                {
                    "name": STRING,
                    "role": STRING,
                    "present": {"type": "boolean", "description": "false for apologies / absent"},
                },
                ["name", "present"],
            )
        ),
        "action_items": array(
            obj(
                {
                    "owner": STRING,
                    "task": STRING,
                    "due_date": DATE,
                    "status": {"type": "string", "enum": ["open", "in progress", "done"], "default": "open"},
                },
                ["owner", "task", "status"],
            )
        ),
        "decisions": {"type": "array", "items": STRING},
        "next_meeting": DATE,
    },
    ["title", "date", "start_time", "attendees", "action_items"],
)
ROLES = ("PM", "backend", "design", "QA", "finance", "legal", "data", "support lead")
TASKS = (
    "draft the Q3 roadmap",
    "fix the login timeout",
    "update the onboarding screens",
    "book the venue for the offsite",
    "send the revised budget to finance",
    "review the vendor contract",
    "write the migration plan",
    "collect customer quotes for the case study",
)
DECISIONS = (
    "Ship dark mode in 2.5",
    "Drop the legacy CSV export",
    "Move the release to the second week",
    "Hire a second designer",
    "Freeze the API until the audit is done",
)


def meeting_notes(w: Writer, trap: bool) -> Draft:
    title = w.pick(("Weekly product sync", "Q3 planning", "Release 2.5 go/no-go", "Offsite prep"))
    day = w.day()
    start_h = w.between(8, 16)
    start, start_expected = w.clock(start_h, w.pick((0, 30)), styles=("24",))
    with_end = w.chance(0.7)
    end, end_expected = w.clock(start_h + 1, w.pick((0, 15, 30)), styles=("24",))
    location = w.pick(("Room Fjord", "Zoom", "the 3rd-floor kitchen")) if w.chance(0.6) else None
    people = [" ".join(w.person()) for _ in range(w.between(3, 5))]
    people = list(dict.fromkeys(people))
    absent = people[-1:] if len(people) > 3 and w.chance(0.6) else []
    roles = {p: w.pick(ROLES) if w.chance(0.6) else None for p in people}
    items = []
    for owner, task in zip(
        w.sample(people[: len(people) - len(absent)], 2) + w.sample(people, 1),
        w.sample(TASKS, 3),
        strict=True,
    ):
        due = day + dt.timedelta(days=w.between(3, 21)) if w.chance(0.6) else None
        items.append((owner, task, due, w.pick(("open", "open", "in progress", "done"))))
    decisions = w.sample(DECISIONS, w.between(1, 2)) if w.chance(0.7) else None
    nxt = day + dt.timedelta(days=7) if w.chance(0.5) or trap else None
    nxt_text = w.date(nxt, ("eu", "iso", "weekday")) if nxt else None
    if trap:
        w.tag("bad-format", "optional-absent")
        nxt, nxt_text = (
            None,
            w.pick(("TBD (after the offsite)", "same time in two weeks-ish, Maria to confirm")),
        )
    w.tag("implied-bool", "implied-enum")

    def who(p: str) -> str:
        return f"{p} ({roles[p]})" if roles[p] else p

    present = [p for p in people if p not in absent]
    marks = {"open": "[ ]", "in progress": "[~]", "done": "[x]"}
    item_lines = []
    for owner, task, due, status in items:
        due_text = f" - due {w.date(due, ('eu', 'iso', 'short'))}" if due else ""
        status_text = {"open": "", "in progress": " (in progress)", "done": " (done)"}[status]
        item_lines.append(f"- {marks[status]} {owner}: {task}{due_text}{status_text}")
    if w.chance(0.5):
        text = (
            f"{title} - notes\nDate: {w.date(day)}, {start}"
            + (f"–{end}" if with_end else "")
            + (f", {location}" if location else "")
            + "\nPresent: "
            + ", ".join(who(p) for p in present)
            + ("\nApologies: " + ", ".join(who(p) for p in absent) if absent else "")
            + ("\n\nDecisions:\n" + "\n".join(f"- {d}" for d in decisions) if decisions else "")
            + "\n\nAction items ([ ] open, [~] in progress, [x] done):\n"
            + "\n".join(item_lines)
            + (f"\n\nNext meeting: {nxt_text}" if nxt_text else "")
        )
    else:
        text = (
            f"Quick recap of today's {title} ({w.date(day)}, {start}"
            + (f"-{end}" if with_end else "")
            + (f", {location}" if location else "")
            + ")\nThere: "
            + ", ".join(who(p) for p in present)
            + (". Out today: " + ", ".join(who(p) for p in absent) if absent else "")
            + "."
            + ("\nWe agreed: " + "; ".join(decisions) + "." if decisions else "")
            + "\nTo do ([ ] open, [~] in progress, [x] done):\n"
            + "\n".join(item_lines)
            + (f"\nNext one: {nxt_text}" if nxt_text else "")
            + f"\n{w.between(2, 9)} slides attached."
        )
    return w.draft(
        text,
        keep(
            {
                "title": title,
                "date": day.isoformat(),
                "start_time": start_expected,
                "end_time": end_expected if with_end else None,
                "location": location,
                "attendees": [
                    keep({"name": p, "role": roles[p], "present": p not in absent}) for p in present + absent
                ],
                "action_items": [
                    keep({"owner": o, "task": t, "due_date": d.isoformat() if d else None, "status": s})
                    for o, t, d, s in items
                ],
                "decisions": decisions,
                "next_meeting": nxt.isoformat() if nxt else None,
            }
        ),
    )


SPECS = [
    Spec("medical_appointment", "medium", MEDICAL_APPOINTMENT, medical_appointment, 7, has_trap=True),
    Spec("meeting_notes", "complex", MEETING_NOTES, meeting_notes, 6, has_trap=True),
]
