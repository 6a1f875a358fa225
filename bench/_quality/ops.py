"""Operations: application logs, sensor readings, monitoring alerts, bug reports."""

from __future__ import annotations

from .writer import (
    EMAIL,
    STRING,
    STRINGS,
    Draft,
    Spec,
    Writer,
    keep,
    obj,
)

# -- application log entry -------------------------------------------------------------------------------
LOG_ENTRY = obj(
    {
        "timestamp": {"type": "string", "format": "date-time", "description": "when the line was logged"},
        "level": {"type": "string", "enum": ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]},
        "service": {"type": "string", "description": "the service or logger that wrote the line"},
        "message": {
            "type": "string",
            "description": "the message itself, without timestamp, level or service",
        },
        "request_id": {"type": "string", "format": "uuid"},
    },
    ["timestamp", "level", "service", "message"],
)
LOG_MESSAGES = (
    ("payments", "Card declined for order {n} (issuer code 51)"),
    ("auth-service", "Token refresh took {s}s for user u{n}"),
    ("inventory", "Stock for SKU BX-{n} below threshold ({k} left)"),
    ("mailer", "SMTP connection to smtp.example.net:587 timed out after 30s"),
    ("scheduler", "Job nightly-backup finished in {k}42 ms"),
    ("api-gateway", "Upstream returned 502 for GET /v2/orders/{n}"),
    ("search-indexer", "Reindex of {n} documents started"),
    ("billing-worker", "Retrying invoice run {k}/5 after deadlock"),
)
LEVEL_SPELLINGS = {
    "DEBUG": ("DEBUG", "debug"),
    "INFO": ("INFO", "info"),
    "WARNING": ("WARNING", "WARN", "warn"),
    "ERROR": ("ERROR", "error", "ERR"),
    "CRITICAL": ("CRITICAL", "critical"),
}


def log_entry(w: Writer, trap: bool) -> Draft:
    service, template = w.pick(LOG_MESSAGES)
    message = template.format(
        n=w.between(1000, 99999), s=f"{w.between(1, 9)}.{w.between(0, 9)}", k=w.between(2, 9)
    )
    level = w.pick(tuple(LEVEL_SPELLINGS))
    spelled = w.pick(LEVEL_SPELLINGS[level])
    if spelled != level:
        w.tag("enum-spelling")
    stamp, expected_stamp = w.moment(w.instant(), ("iso_t", "iso_micro", "log_comma", "iso_z", "iso_offset"))
    request_id = w.uuid() if w.chance(0.5) or trap else None
    rid_text = f"req-{w.between(10000, 99999)}" if trap else request_id
    suffix = f" request_id={rid_text}" if rid_text else ""
    line = w.pick(
        (
            f"{stamp} {spelled} [{service}] {message}{suffix}",
            f"[{stamp}] {spelled} {service}: {message}{suffix}",
            f"{stamp} | {spelled:<7} | {service} | {message}{suffix}",
        )
    )
    other = f"{stamp} INFO [healthcheck] GET /healthz 200 in 3 ms"
    text = w.pick(
        (
            f"{line}\n",
            f"Seeing this in prod, can you file it?\n\n    {line}\n\nThanks!",
            f"Ignore the healthcheck noise, the {service} line is the one:\n{other}\n{line}\n",
        )
    )
    if trap:
        w.tag("bad-format", "optional-absent")
    return w.draft(
        text,
        keep(
            {
                "timestamp": expected_stamp,
                "level": level,
                "service": service,
                "message": message,
                "request_id": None if trap else request_id,
            }
        ),
    )


# -- sensor reading -----------------------------------------------------------------------------------------
SENSOR_READING = obj(
    {
        "sensor_id": {"type": "string", "description": "the sensor's id, like TH-0042"},
        "temperature_c": {"type": "number", "minimum": -50, "maximum": 80, "description": "degrees Celsius"},
        "humidity_pct": {
            "type": "number",
            "minimum": 0,
            "maximum": 100,
            "description": "relative humidity, %",
        },
        "recorded_at": {"type": "string", "format": "date-time"},
        "battery_low": {"type": "boolean", "default": False},
    },
    ["sensor_id", "temperature_c", "humidity_pct", "recorded_at"],
)
PLACES = ("greenhouse 2", "cold store B", "server room", "north wall", "attic", "warehouse bay 7", "lab 3")


def sensor_reading(w: Writer, trap: bool) -> Draft:
    sensor = f"{w.pick(('TH', 'HT', 'ENV'))}-{w.between(1, 9999):04d}"
    temp = round(w.rng.uniform(-5, 38), 1)
    hum = float(w.between(20, 95)) if w.chance(0.5) else round(w.rng.uniform(20, 95), 1)
    stamp, expected_stamp = w.moment(w.instant(), ("iso_t", "iso_z", "iso_micro", "words", "iso_space"))
    battery = w.pick((True, False, None))
    place = w.pick(PLACES)
    firmware = f"{w.between(1, 4)}.{w.between(0, 9)}.{w.between(0, 20)}"
    if trap:
        w.tag("bad-format")
        stamp = w.pick(("unknown (clock reset after power cut)", "--:--", "sometime last night"))
    battery_text = {
        True: w.pick(("batt=LOW", "battery low!")),
        False: w.pick(("batt=OK", "battery fine")),
        None: "",
    }
    if battery is not None:
        w.tag("implied-bool")
    hum_text = f"{hum:g}"
    text = w.pick(
        (
            f"{sensor} @ {place}: temp={temp}C rh={hum_text}% ts={stamp} fw={firmware} "
            f"{battery_text[battery]}",
            f"Reading from {sensor} ({place}) taken {stamp}: {temp} °C, humidity {hum_text} %. "
            f"Firmware {firmware}. {battery_text[battery]}",
            f"sensor: {sensor}\nlocation: {place}\ntime: {stamp}\nhumidity: {hum_text}%\ntemperature: "
            f"{temp} C\n"
            f"{battery_text[battery]}",
        )
    )
    if trap:
        return w.draft(text, None, expect_error=True)
    return w.draft(
        text,
        keep(
            {
                "sensor_id": sensor,
                "temperature_c": temp,
                "humidity_pct": hum,
                "recorded_at": expected_stamp,
                "battery_low": battery,
            }
        ),
    )


# -- server alert -------------------------------------------------------------------------------------------
SERVER_ALERT = obj(
    {
        "host": {"type": "string"},
        "ip": {"type": "string", "format": "ipv4"},
        "metric": {"type": "string", "enum": ["cpu", "memory", "disk", "network"]},
        "value_pct": {"type": "number", "minimum": 0, "maximum": 100, "description": "current value, in %"},
        "triggered_at": {"type": "string", "format": "date-time"},
    },
    ["host", "ip", "metric", "value_pct", "triggered_at"],
)
METRIC_WORDS = {
    "cpu": ("CPU", "HighCpuLoad"),
    "memory": ("memory", "MemoryPressure"),
    "disk": ("disk usage", "DiskUsageHigh"),
    "network": ("network utilisation", "NetSaturation"),
}


def server_alert(w: Writer, trap: bool) -> Draft:
    host = f"{w.pick(('db', 'web', 'cache', 'worker', 'mq'))}-{w.between(1, 12):02d}"
    ip = w.ipv4()
    if trap:
        w.tag("bad-format")
        ip = w.pick((f"10.0.{w.between(256, 400)}.{w.between(2, 254)}", "10.0.3", "n/a (DHCP lease expired)"))
    metric = w.pick(tuple(METRIC_WORDS))
    word, rule = METRIC_WORDS[metric]
    threshold = w.pick((80, 85, 90))
    value = round(w.rng.uniform(threshold + 1, 99.9), 1)
    stamp, expected_stamp = w.moment(w.instant(), ("iso_z", "iso_t", "iso_offset", "iso_space"))
    text = w.pick(
        (
            f"[FIRING:1] {rule} on {host} ({ip})\n{word} at {value}% (threshold {threshold}%) since {stamp}\n"
            "Runbook: https://wiki.example.com/runbooks/" + rule.lower(),
            f"ALERT {host}/{ip}: {word} {value}% > {threshold}% - triggered {stamp} - ack within 15 min",
            f"Hey on-call, {host} ({ip}) has been paging since {stamp}: {word} is at {value}%. "
            f"The alert rule is {rule} with a {threshold}% threshold.",
        )
    )
    if trap:
        return w.draft(text, None, expect_error=True)
    return w.draft(
        text, {"host": host, "ip": ip, "metric": metric, "value_pct": value, "triggered_at": expected_stamp}
    )


# -- bug report -------------------------------------------------------------------------------------------
BUG_REPORT = obj(
    {
        "title": STRING,
        "component": STRING,
        "severity": {"type": "string", "enum": ["trivial", "minor", "major", "critical", "blocker"]},
        "version": {"type": "string", "description": "app version the bug was seen in, like 2.4.1"},
        "os": {"type": "string", "enum": ["Windows", "macOS", "Linux", "Android", "iOS"]},
        "reproducible": {
            "type": "boolean",
            "description": "the bug happens again when the steps are repeated",
        },
        "reported_at": {"type": "string", "format": "date-time"},
        "reporter_email": EMAIL,
        "crash_id": {"type": "string", "format": "uuid"},
        "labels": STRINGS,
    },
    ["title", "component", "severity", "version", "os", "reproducible", "reported_at", "reporter_email"],
)
BUGS = (
    ("Export to PDF crashes on large reports", "reporting"),
    ("Dark mode toggle resets after restart", "settings"),
    ("Sync stalls at 99% with many attachments", "sync"),
    ("Login button unresponsive on first tap", "auth"),
    ("Chart tooltips show wrong currency", "dashboard"),
)
SYSTEMS = {
    "Windows": ("Windows 11", "Win 10 (22H2)"),
    "macOS": ("macOS 14.3", "macOS Sonoma"),
    "Linux": ("Ubuntu 22.04", "Fedora 39", "Linux (Arch)"),
    "Android": ("Android 14 (Pixel 8)",),
    "iOS": ("iOS 17.2 on iPhone 13",),
}


def bug_report(w: Writer, trap: bool) -> Draft:
    title, component = w.pick(BUGS)
    severity = w.pick(("trivial", "minor", "major", "critical", "blocker"))
    version = f"{w.between(1, 4)}.{w.between(0, 9)}.{w.between(0, 12)}"
    older = f"{version.split('.')[0]}.{max(0, int(version.split('.')[1]) - 1)}.{w.between(0, 12)}"
    system = w.pick(tuple(SYSTEMS))
    system_text = w.pick(SYSTEMS[system])
    if system_text.split()[0] not in system:
        w.tag("implied-enum")
    reproducible = w.chance(0.6)
    w.tag("implied-bool")
    repro_text = (
        w.pick(("Happens every time.", "100% reproducible with the steps above."))
        if reproducible
        else w.pick(
            (
                "Only happened once, could not reproduce since.",
                "Intermittent - I can't make it happen on demand.",
            )
        )
    )
    first, last = w.person()
    email = w.email(first, last)
    stamp, expected_stamp = w.moment(w.instant(), ("iso_space", "iso_z", "words", "iso_offset"))
    crash = w.uuid() if w.chance(0.4) or trap else None
    crash_text = f"{crash[:9]}?? (cut off in the screenshot)" if trap and crash else crash
    labels = (
        w.sample(("bug", "regression", "ui", "needs-triage", "p2"), w.between(1, 3))
        if w.chance(0.6)
        else None
    )
    if trap:
        w.tag("bad-format", "optional-absent")
    fields = [
        f"**Component:** {component}",
        f"**Version:** {version} (worked in {older})",
        f"**OS:** {system_text}",
        f"**Severity:** {severity}",
    ]
    if crash_text:
        fields.append(f"**Crash ID:** {crash_text}")
    steps = (
        "1. Open the app\n2. Go to the screen in question\n3. Repeat the action "
        + str(w.between(2, 5))
        + " times"
    )
    text = w.pick(
        (
            f"### {title}\n\n" + "\n".join(w.shuffled(fields)) + f"\n\n**Steps**\n{steps}\n\n{repro_text}\n\n"
            f"Opened by {email} on {stamp}" + (f" · labels: {', '.join(labels)}" if labels else ""),
            f"Bug report from {first} {last} <{email}>, {stamp}\nSummary: {title}\n"
            + "\n".join(line.replace("**", "") for line in w.shuffled(fields))
            + f"\n{repro_text}"
            + (f"\nLabels: {', '.join(labels)}" if labels else "")
            + f"\nAffects ~{w.between(2, 40)}% of users.",
        )
    )
    return w.draft(
        text,
        keep(
            {
                "title": title,
                "component": component,
                "severity": severity,
                "version": version,
                "os": system,
                "reproducible": reproducible,
                "reported_at": expected_stamp,
                "reporter_email": email,
                "crash_id": None if trap else crash,
                "labels": labels,
            }
        ),
    )


SPECS = [
    Spec("log_entry", "simple", LOG_ENTRY, log_entry, 8, has_trap=True),
    Spec("sensor_reading", "simple", SENSOR_READING, sensor_reading, 8, has_trap=True),
    Spec("server_alert", "simple", SERVER_ALERT, server_alert, 8, has_trap=True),
    Spec("bug_report", "medium", BUG_REPORT, bug_report, 7, has_trap=True),
]
