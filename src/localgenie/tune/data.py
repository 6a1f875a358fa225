"""Examples file → training items: the exact prompt tokens extraction feeds, the exact answer it should write.

What is learned must be what runs.  So the prompt is `extraction_messages` formatted by the backend's
own chat template and tokenizer (llama.cpp, from the GGUF), and the target is the answer in the form
the grammar writes it: compact JSON, every key of a closed object in ``properties`` order, ``null``
for an optional value the text does not give (`localgenie.structured.optional`).  A target the
grammar could not produce (the matcher refuses its tokens) would teach the model something it can
never say: such a line is reported and skipped like an invalid one.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BadInput
from ..evaluation.run import Example, Skipped, load_examples
from ..llm.base import Message
from ..llm.llamacpp import LlamaCppBackend
from ..structured import json_constraint
from ..structured.grammar import generation_schema
from ..structured.prompt import extraction_messages
from ..structured.schema import Schema, resolve_local_ref

MIN_EXAMPLES = 20


@dataclass(frozen=True)
class TrainingItem:
    """One example as token ids: ``prompt`` (system, schema description, text, generation prompt) and
    ``target`` (the compact JSON answer, then end-of-turn)."""

    example: Example
    prompt: tuple[int, ...]
    target: tuple[int, ...]
    answer: str

    @property
    def length(self) -> int:
        return len(self.prompt) + len(self.target)


@dataclass(frozen=True)
class Dataset:
    """A prepared examples file: the items to train on and evaluate, what was skipped, the file's hash."""

    train: list[TrainingItem]
    eval: list[TrainingItem]
    skipped: list[Skipped]
    sha256: str
    lines: int


def generation_target(schema: Schema, value: Any) -> str:
    """``value`` written as the grammar writes it for ``schema``: compact JSON, closed objects with every
    key in ``properties`` order and ``null`` for the absent ones.

    >>> generation_target({"type": "object", "properties": {"a": {"type": "string"},
    ...     "b": {"type": "integer"}}}, {"b": 2})
    '{"a":null,"b":2}'
    """
    generating = generation_schema(schema)
    return json.dumps(
        _fill(generating, generating, value, 0), ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )


def _fill(root: Schema, node: Any, value: Any, depth: int) -> Any:
    if not isinstance(node, dict) or depth > 32:
        return value
    node = resolve_local_ref(root, node)
    if value is not None and isinstance(node.get("anyOf"), list):
        # The optional wrapper {"anyOf": [child, {"type": "null"}, {"const": "null"}]} (`optional.py`): a
        # present value follows its child.
        branches = [
            b
            for b in node["anyOf"]
            if isinstance(b, dict) and b.get("type") != "null" and b.get("const", ...) != "null"
        ]
        if len(branches) == 1:
            return _fill(root, branches[0], value, depth + 1)
    properties = node.get("properties")
    if isinstance(value, dict) and isinstance(properties, dict):
        filled: dict[str, Any] = {}
        closed = node.get("additionalProperties") is False
        for key, child in properties.items():
            if key in value:
                filled[key] = _fill(root, child, value[key], depth + 1)
            elif closed:
                filled[key] = None
        for key, item in value.items():  # keys an open object allows beyond its properties
            if key not in filled:
                filled[key] = item
        return filled
    if isinstance(value, list):
        items = node.get("items")
        return [_fill(root, items, item, depth + 1) for item in value]
    return value


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def encode(backend: LlamaCppBackend, example: Example, *, max_length: int) -> TrainingItem:
    """Tokens of one example, checked: the grammar accepts the target and it fits ``max_length``.

    Raises `BadInput` with the reason otherwise.
    """
    schema = example.schema.schema
    messages: list[Message] = extraction_messages(schema, example.text)
    prompt = backend.format_prompt(messages)
    answer = generation_target(schema, example.expected)
    answer_tokens = backend.tokenize_plain(answer)
    matcher = backend.matcher_for(json_constraint(schema))
    accepted = matcher.validate_tokens(answer_tokens)
    if accepted < len(answer_tokens):
        matcher.consume_tokens(answer_tokens[:accepted])
        piece = backend.detokenize(answer_tokens[accepted : accepted + 1])
        raise BadInput(
            f"the grammar cannot write this expected answer (it refuses {piece!r} after "
            f"{backend.detokenize(answer_tokens[:accepted])[-40:]!r})"
        )
    target = (*answer_tokens, backend.end_of_turn)
    if len(prompt) + len(target) > max_length:
        raise BadInput(f"too long: {len(prompt) + len(target)} tokens, more than --max-length {max_length}")
    return TrainingItem(example, tuple(prompt), target, answer)


def prepare(
    path: str | Path,
    backend: LlamaCppBackend,
    *,
    eval_split: float = 0.2,
    seed: int = 0,
    max_length: int = 2048,
    minimum: int = MIN_EXAMPLES,
) -> Dataset:
    """Load, check, encode and split an examples file (the `genie eval` format).

    Unusable lines (`load_examples`' reasons, ``expect_error`` lines, answers the grammar cannot write,
    too long) are skipped with their line number; fewer than ``minimum`` usable examples is refused
    (`BadInput`), since a split of fewer has nothing left to learn from or to measure.  The split is
    random with ``seed`` but stratified by schema, so every schema with two or more examples is
    represented in both halves.
    """
    if not 0 < eval_split < 1:
        raise BadInput(f"--eval-split must be between 0 and 1 (exclusive), not {eval_split}")
    source = Path(path)
    examples, skipped = load_examples(source)
    items: list[TrainingItem] = []
    for example in examples:
        if example.expect_error:
            skipped.append(Skipped(example.line, "expect_error lines hold no answer to learn"))
            continue
        try:
            items.append(encode(backend, example, max_length=max_length))
        except BadInput as exc:
            skipped.append(Skipped(example.line, str(exc)))
    skipped.sort(key=lambda s: s.line)
    if len(items) < minimum:
        raise BadInput(
            f"{source} has {len(items)} usable example(s) ({len(skipped)} line(s) skipped); tuning needs at "
            f"least {minimum}: a fifth is held out to measure the result, and fewer teach the model nothing "
            "it keeps"
        )
    train, held = split(items, eval_split, seed)
    return Dataset(train, held, skipped, file_sha256(source), len(examples) + len(skipped))


def split(
    items: Sequence[TrainingItem], share: float, seed: int
) -> tuple[list[TrainingItem], list[TrainingItem]]:
    """``(train, eval)``: about ``share`` of each schema's items held out (at least one item overall)."""
    rng = random.Random(seed)
    groups: dict[str, list[TrainingItem]] = {}
    for item in items:
        groups.setdefault(item.example.label, []).append(item)
    held: set[int] = set()
    for group in groups.values():
        lines = [item.example.line for item in group]
        rng.shuffle(lines)
        held.update(lines[: round(share * len(lines))])
    if not held:
        held.add(rng.choice([item.example.line for item in items]))
    return (
        [item for item in items if item.example.line not in held],
        [item for item in items if item.example.line in held],
    )
