"""What a comment wants: praise, complaint, question, suggestion, or other.

Rules on top of VADER's sentiment.  Why rules: the cues are lexical and strong ("you should",
"can you make", a question mark, "too loud"), they run on 10k comments in well under a second on
CPU, every decision can be explained, and there is no labelled YouTube intent corpus to train on.
Accuracy is measured on the composed, hand-labelled fixture ``tests/tubetalk/fixtures/intent_labelled.jsonl``
(``bench/tubetalk.py`` prints it; the test suite holds a floor).

Order matters and encodes what a creator needs first: a request phrased as a question ("can you
do a video on X?") is a suggestion, a question full of anger is still a question, and only then
does sentiment decide between complaint and praise.
"""

from __future__ import annotations

import re
from typing import Literal

Intent = Literal["praise", "complaint", "question", "suggestion", "other"]
INTENTS: tuple[Intent, ...] = ("praise", "complaint", "question", "suggestion", "other")

_SUGGESTION = re.compile(
    r"\b(you|u) (should|could|need to|ought to|might want to)\b"
    r"|\b(please|pls|plz) (make|do|add|upload|cover|review|consider|show|slow|put|bring|try|react|turn|use)\b"
    r"|\b(can|could|would|will) (you|u) (please )?"
    r"(make|do|add|cover|review|compare|try|show|upload|explain|talk"
    r"|consider|film|record|include|put)\b"
    r"|\b(it )?(would|will|'d) (be|help) (great|nice|cool|awesome|amazing|fun|helpful|better|interesting)?\b"
    r"|\b(would|'d) love (to see|a|an|it if|if)\b"
    r"|\bnext (time|video|episode)\b|\bpart 2\b|\bfollow[- ]up\b|\bsuggestion\b|\bi suggest\b"
    r"|^(try|add|do|make|consider|maybe|react to|bring back|please)\b"
    r"|\bwhy not\b|\bhope you (make|do|review|cover)\b|\bmaybe (add|use|try|do|make|show)\b"
    r"|\bif you made\b|\bwould be (great|nice|cool|awesome|fun|helpful)\b|\bi think a\b",
    re.IGNORECASE,
)
_QUESTION_START = re.compile(
    r"^(what|what's|whats|how|why|where|when|which|who|whose|is|are|was|were|do|does|did|can|could|will|would|"
    r"should|has|have|anyone|any ?one|someone)\b",
    re.IGNORECASE,
)
_RHETORICAL = re.compile(r"^who('s| is)? (watching|here)\b", re.IGNORECASE)
_COMPLAINT = re.compile(
    r"\b(too (loud|quiet|long|short|many|much|small|dark|fast|slow|bright)|can'?t (hear|see|read)|out of sync"
    r"|clickbait|misleading|annoying|boring|disappoint\w*|waste of|broken"
    r"|doesn'?t work|didn'?t work|not work\w*"
    r"|crash\w*|wrong|terrible|worst|hate|unsubscrib\w*|downhill|outdated|distracting|headache|painful|ridiculous"
    r"|junk|cutting out|ads\b|sponsor\w*|rambling|motion sick|harsh|hurts|meh|fails?)\b",
    re.IGNORECASE,
)
_PRAISE = re.compile(
    r"\b(love[ds]?|loving|great|amazing|awesome|best|thank(s| you)?|beautiful|brilliant|excellent|incredible"
    r"|masterpiece|gold|stunning|perfect|helpful|underrated|deserve|wholesome|appreciate|flawless|insane|chills"
    r"|keep it up|well done|quality|proud|adore|subscribed|clear|wow|🔥|❤️|👍|😍)",
    re.IGNORECASE,
)


def classify(text: str, sentiment: float) -> Intent:
    """One intent for one comment, given its VADER compound score."""
    stripped = text.strip()
    if _SUGGESTION.search(stripped):
        return "suggestion"
    if _RHETORICAL.search(stripped):
        return "other"
    if "?" in stripped or _QUESTION_START.match(stripped):
        return "question"
    complaint_cues = bool(_COMPLAINT.search(stripped))
    praise_cues = bool(_PRAISE.search(stripped))
    if complaint_cues and (sentiment < 0.3 or not praise_cues):
        return "complaint"
    if sentiment <= -0.4:
        return "complaint"
    if praise_cues and sentiment > -0.1:
        return "praise"
    if sentiment >= 0.5:
        return "praise"
    return "other"


def classify_all(texts: list[str], sentiments: list[float]) -> list[Intent]:
    return [classify(t, s) for t, s in zip(texts, sentiments, strict=True)]
