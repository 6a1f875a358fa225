"""People and work: contact details, leave requests, job postings."""

from __future__ import annotations

import datetime as dt

from .writer import (
    DATE,
    EMAIL,
    MONTHS,
    STRING,
    STRINGS,
    Draft,
    Spec,
    Writer,
    keep,
    obj,
)

# -- contact card -------------------------------------------------------------------------------------------
CONTACT_CARD = obj(
    {
        "name": {"type": "string", "description": "full name"},
        "email": {"type": "string", "format": "email"},
        "phone": {"type": "string"},
        "company": {"type": "string"},
    },
    ["name", "email"],
)
TITLES = (
    "Head of Operations",
    "Senior Buyer",
    "Account Manager",
    "CTO",
    "Office Manager",
    "Product Designer",
)


def contact_card(w: Writer, trap: bool) -> Draft:
    first, last = w.person()
    name = f"{first} {last}"
    company = w.pick(("Northwind Traders", "Acme Robotics", "Helios Energy", "Orchard Foods", None))
    email = w.email(first, last, w.company_domain(company) if company else None)
    phone = w.phone() if w.chance(0.7) else None
    if trap:
        w.tag("bad-format")
        email = w.pick(("ask at the front desk", "(not given)", "same as before"))
    title = w.pick(TITLES)
    lines = [f"Tel: {phone}" if phone else "", f"Email: {email}", company or ""]
    body = "\n".join(line for line in [name, title, *w.shuffled(lines)] if line)
    colleague = " ".join(w.person())
    text = w.pick(
        (
            f"Thanks again for the call today.\n\nBest regards,\n--\n{body}",
            f"Please add this contact to the CRM (met at the trade fair, {colleague} introduced "
            f"us):\n\n{body}",
            f"Hi! I'm {name}" + (f" from {company}" if company else "") + f". My colleague {colleague} will "
            "join later. My details for the attendee list:\n"
            + "\n".join(w.shuffled([f"Email: {email}", f"Phone: {phone}" if phone else "Phone: -"])),
        )
    )
    if trap:
        return w.draft(text, None, expect_error=True)
    return w.draft(text, keep({"name": name, "email": email, "phone": phone, "company": company}))


# -- HR leave request -------------------------------------------------------------------------------------
LEAVE_REQUEST = obj(
    {
        "employee_name": STRING,
        "employee_id": {"type": "string", "pattern": "^E-[0-9]{5}$"},
        "leave_type": {"type": "string", "enum": ["annual", "sick", "parental", "unpaid", "bereavement"]},
        "start_date": {**DATE, "description": "first day of leave"},
        "end_date": {**DATE, "description": "last day of leave"},
        "working_days": {"type": "integer", "minimum": 1, "maximum": 60},
        "half_day": {"type": "boolean", "default": False},
        "manager_email": EMAIL,
        "reason": STRING,
        "handover_to": {"type": "string", "description": "colleague covering during the leave"},
    },
    ["employee_name", "employee_id", "leave_type", "start_date", "end_date", "working_days"],
)
LEAVE_WORDS = {
    "annual": ("annual leave", "holiday"),
    "sick": ("sick leave",),
    "parental": ("parental leave",),
    "unpaid": ("unpaid leave",),
    "bereavement": ("bereavement leave", "compassionate (bereavement) leave"),
}
LEAVE_REASONS = {
    "annual": "family trip to Portugal",
    "sick": "knee surgery and recovery",
    "parental": "birth of our second child",
    "unpaid": "volunteering abroad",
    "bereavement": "my grandmother's funeral",
}


def _working_days(start: dt.date, end: dt.date) -> int:
    return sum(1 for n in range((end - start).days + 1) if (start + dt.timedelta(days=n)).weekday() < 5)


def leave_request(w: Writer, trap: bool) -> Draft:
    first, last = w.person()
    name = f"{first} {last}"
    employee = f"E-{w.between(10000, 99999)}"
    kind = w.pick(tuple(LEAVE_WORDS))
    start = w.day(dt.date(2025, 1, 6), 300)
    start -= dt.timedelta(days=start.weekday())  # leave starts on a Monday
    end = start + dt.timedelta(days=w.pick((0, 1, 2, 4, 7, 8, 11)))
    if end.weekday() > 4:
        end -= dt.timedelta(days=end.weekday() - 4)
    days = _working_days(start, end)
    if start == end:
        span = w.date(start)
        prose_span = f"on {span}"
    elif start.month == end.month and start.year == end.year and w.chance(0.5):
        w.tag("date-range", "date-words")
        span = f"{start.day}–{end.day} {MONTHS[start.month - 1]} {start.year}"
        prose_span = f"for {span}"
    else:
        span = f"{w.date(start)} to {w.date(end)}"
        prose_span = f"from {span}"
    half = w.pick((True, False, None))
    manager_first, manager_last = w.person()
    manager = w.email(manager_first, manager_last, "pinecrest.io") if w.chance(0.6) or trap else None
    manager_text = manager.replace("@", " at ").replace(".", " dot ") if trap and manager else manager
    reason = LEAVE_REASONS[kind] if w.chance(0.6) else None
    cover = " ".join(w.person()) if w.chance(0.5) else None
    left = w.between(3, 25)
    days_text = w.count(days, 0.5)
    if trap:
        w.tag("bad-format", "optional-absent")
    if half is not None:
        w.tag("implied-bool")
    form = w.chance(0.5)
    if form:
        lines = [
            f"Employee: {name} ({employee})",
            f"Type: {w.pick(LEAVE_WORDS[kind])}",
            f"Dates: {span}",
            f"Working days: {days_text}",
            f"Remaining balance after: {left} days",
        ]
        if half is not None:
            lines.append(f"Half day: {'Yes (last day, afternoon)' if half else 'No'}")
        if manager_text:
            lines.append(f"Approver: {manager_text}")
        if reason:
            lines.append(f"Reason: {reason}")
        if cover:
            lines.append(f"Cover: {cover}")
        text = "LEAVE REQUEST FORM\n" + "\n".join([lines[0], *w.shuffled(lines[1:])])
    else:
        half_text = {True: " The last day would only be a half day.", False: " All full days.", None: ""}[
            half
        ]
        text = (
            f"Hi HR,\n\nI'd like to request {w.pick(LEAVE_WORDS[kind])} {prose_span} ({days_text} working "
            "days)."
            f"{half_text}"
            + (f" The reason is {reason}." if reason else "")
            + (f" {cover} has agreed to cover for me." if cover else "")
            + (f" My manager ({manager_text}) is in copy." if manager_text else "")
            + f"\n\nI think I have {left} days left this year.\n\nThanks,\n{name}\nEmployee ID {employee}"
        )
    return w.draft(
        text,
        keep(
            {
                "employee_name": name,
                "employee_id": employee,
                "leave_type": kind,
                "start_date": start.isoformat(),
                "end_date": end.isoformat(),
                "working_days": days,
                "half_day": half,
                "manager_email": None if trap else manager,
                "reason": reason,
                "handover_to": cover,
            }
        ),
    )


# -- job posting ---------------------------------------------------------------------------------------------
JOB_POSTING = obj(
    {
        "title": STRING,
        "company": STRING,
        "location": obj({"city": STRING, "country": STRING}, ["city", "country"]),
        "work_mode": {"type": "string", "enum": ["onsite", "hybrid", "remote"]},
        "employment_type": {"type": "string", "enum": ["full-time", "part-time", "contract", "internship"]},
        "salary_min": {"type": "number", "minimum": 0, "description": "yearly salary, lower bound"},
        "salary_max": {"type": "number", "minimum": 0, "description": "yearly salary, upper bound"},
        "currency": {"type": "string", "enum": ["USD", "EUR", "GBP", "CAD"]},
        "experience_years": {"type": "integer", "minimum": 0, "description": "minimum years of experience"},
        "apply_url": {"type": "string", "format": "uri"},
        "posted_on": DATE,
        "skills": {**STRINGS, "description": "required skills, as listed"},
    },
    ["title", "company", "work_mode", "employment_type", "salary_min", "salary_max", "currency", "apply_url"],
)
JOBS = (
    ("Senior Backend Engineer", ("Python", "PostgreSQL", "Kubernetes"), 60_000, 95_000),
    ("Data Analyst", ("SQL", "Tableau", "Excel"), 42_000, 58_000),
    ("UX Designer", ("Figma", "user research", "prototyping"), 45_000, 65_000),
    ("Warehouse Shift Lead", ("forklift licence", "team leadership"), 32_000, 38_000),
    ("DevOps Engineer", ("Terraform", "AWS", "CI/CD"), 70_000, 105_000),
    ("Customer Success Manager", ("Salesforce", "negotiation", "German"), 48_000, 62_000),
    ("Marketing Intern", ("copywriting", "social media"), 18_000, 22_000),
)
MODES = {
    "onsite": ("On-site", "onsite", "in the office 5 days a week"),
    "hybrid": ("Hybrid", "hybrid, 2 days in office"),
    "remote": ("Fully remote", "Remote", "100% remote"),
}
EMPLOYMENT = {
    "full-time": ("Full-time", "full time, permanent"),
    "part-time": ("Part-time, 20 h/week", "part time"),
    "contract": ("Contract (6 months)", "12-month contract"),
    "internship": ("Internship",),
}


def job_posting(w: Writer, trap: bool) -> Draft:
    title, skills, low, high = w.pick(JOBS)
    company = w.pick(
        ("Pinecrest Software", "Fjord Logistics", "Lumen Health", "Sable Media", "Tidewater Labs")
    )
    mode = w.pick(tuple(MODES))
    kind = (
        "internship"
        if title.endswith("Intern")
        else w.pick(("full-time", "full-time", "part-time", "contract"))
    )
    currency = w.pick(("EUR", "GBP", "USD", "CAD"))
    scale = w.pick((1.0, 1.1, 1.25))
    salary_min, salary_max = float(round(low * scale, -3)), float(round(high * scale, -3))
    symbol = {"EUR": "€", "GBP": "£", "USD": "$", "CAD": "CA$"}[currency]
    if w.chance(0.35):
        w.tag("money-k")
        salary = f"{symbol}{salary_min / 1000:g}k–{symbol}{salary_max / 1000:g}k"
    else:
        w.tag("money-symbol")
        salary = f"{symbol}{salary_min:,.0f} - {symbol}{salary_max:,.0f} per year"
    city, country, _ = w.city()
    located = mode != "remote" or w.chance(0.5)
    place = f"{city}, {country}" if located else "anywhere in Europe"
    years = w.between(1, 8) if w.chance(0.7) and kind != "internship" else None
    years_text = (
        (f"{w.count(years, 0.5)}+ years" if w.chance(0.5) else f"at least {w.count(years, 0.5)} years")
        if years
        else ""
    )
    posted = w.day() if w.chance(0.5) else None
    posted_text = w.date(posted) if posted else ""
    url = f"https://jobs.{w.company_domain(company)}/apply/{w.between(1000, 9999)}"
    if trap:
        w.tag("bad-format")
        url = w.pick(("through our careers page (link in the sidebar)", "ask HR for the form"))
    with_skills = w.chance(0.7)
    mode_text, kind_text = w.pick(MODES[mode]), w.pick(EMPLOYMENT[kind])
    w.tag("implied-enum")
    team = w.between(4, 40)
    lines = [f"Location: {place} ({mode_text})", f"Type: {kind_text}", f"Salary: {salary} + benefits"]
    if years:
        lines.append(f"Experience: {years_text} in a similar role")
    if with_skills:
        lines.append("Must have: " + ", ".join(skills))
    if posted:
        lines.append(f"Posted: {posted_text}")
    prose = [
        f"You bring {years_text} of experience." if years else "",
        "Skills: " + ", ".join(skills) + "." if with_skills else "",
        f"Posted {posted_text}." if posted else "",
    ]
    prose = [sentence for sentence in prose if sentence]
    text = w.pick(
        (
            f"{title}\n{company}\n\n" + "\n".join(w.shuffled(lines)) + f"\n\nYou'll join a team of {team}. "
            f"Founded in 20{w.between(0, 19):02d}.\nApply: {url}",
            f"We're hiring! {company} is looking for a {title} ({kind_text}, {mode_text}) - {place}. "
            f"Pay: {salary}. " + " ".join(w.shuffled(prose)) + f" Team size: {team}. Apply at {url}",
        )
    )
    if trap:
        return w.draft(text, None, expect_error=True)
    return w.draft(
        text,
        keep(
            {
                "title": title,
                "company": company,
                "location": {"city": city, "country": country} if located else None,
                "work_mode": mode,
                "employment_type": kind,
                "salary_min": salary_min,
                "salary_max": salary_max,
                "currency": currency,
                "experience_years": years,
                "apply_url": url,
                "posted_on": posted.isoformat() if posted else None,
                "skills": list(skills) if with_skills else None,
            }
        ),
    )


SPECS = [
    Spec("contact_card", "simple", CONTACT_CARD, contact_card, 8, has_trap=True),
    Spec("leave_request", "medium", LEAVE_REQUEST, leave_request, 7, has_trap=True),
    Spec("job_posting", "medium", JOB_POSTING, job_posting, 7, has_trap=True),
]
