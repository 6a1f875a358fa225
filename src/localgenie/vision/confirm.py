"""The user's say over what a photo recognition adds: one short answer line, parsed here.

    Enter            keep the likely items (never the maybes)
    1 3 4            keep exactly these (numbers from the table; a maybe can be kept this way)
    3=greek yogurt   keep item 3 under another name
    +butter          add something the photo missed
    none             keep nothing

Parts combine: ``1 3=greek yogurt +butter``.  Anything unreadable is a `BadInput` naming the part,
never a guess, because a wrong guess would end up in the pantry.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from localgenie.errors import BadInput
from localgenie.vision.recognise import Found

_PART = re.compile(r"\s*(?:(\+)\s*([^,+]+?)|(\d+)\s*=\s*([^,+\d][^,+]*?)|(\d+))\s*(?=,|\s+\d|\s*\+|$)")


def apply_answer(items: Sequence[Found], answer: str) -> list[tuple[str, int | None]]:
    """The names (and counts, when known) to add, after the user's ``answer`` to the table."""
    text = answer.strip()
    if not text:
        return [(f.ingredient, f.quantity) for f in items if f.status == "likely"]
    if text.lower() in ("none", "no", "0", "-"):
        return []
    chosen: list[tuple[str, int | None]] = []
    position = 0
    while position < len(text):
        if text[position] in ", ":
            position += 1
            continue
        match = _PART.match(text, position)
        if not match:
            raise BadInput(f"cannot read {text[position:]!r}: use numbers (1 3), renames (3=feta) or +name")
        plus, added, number, renamed, kept = match.groups()
        if plus:
            chosen.append((" ".join(added.split()), None))
        else:
            index = int(number or kept)
            if not 1 <= index <= len(items):
                raise BadInput(f"there is no item {index}: the table has 1 to {len(items)}")
            found = items[index - 1]
            chosen.append((" ".join(renamed.split()) if renamed else found.ingredient, found.quantity))
        position = match.end()
    return chosen
