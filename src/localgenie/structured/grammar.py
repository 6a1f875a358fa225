"""JSON Schema → the `Constraint` a backend generates under (an llguidance grammar + the schema).

Output is compact JSON (no whitespace between tokens): small models otherwise
drift into endless newlines and indentation, and every whitespace token is a
forward pass spent on nothing.  Keywords llguidance cannot enforce are
ignored at this stage (``lenient``) and checked afterwards by `validate`.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from typing import Any

from ..errors import SchemaError
from ..llm.base import Constraint
from .formats import relax_formats
from .optional import require_with_null
from .schema import Schema, plain_subschemas

# oneOf is compiled as anyOf (the grammar cannot count matching branches); the validator checks exclusivity.
COMPILE_OPTIONS: dict[str, Any] = {
    "whitespace_flexible": False,
    "item_separator": ",",
    "key_separator": ":",
    "coerce_one_of": True,
}
COUNT_KEYWORDS = (
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "minContains",
    "maxContains",
)
COMBINATORS = ("allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas")


def grammar_for(schema: Schema, *, lenient: bool = True) -> str:
    """The llguidance grammar (as a string) for ``schema``; raises `SchemaError` if it cannot be built."""
    return _grammar_cached(json.dumps(_integral_counts(schema)), lenient)


def _integral_counts(node: Any) -> Any:
    """JSON Schema allows ``2.0`` for a count such as ``maxLength``; llguidance wants ``2``."""
    if isinstance(node, list):
        return [_integral_counts(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {}
    for key, value in node.items():
        if key in COUNT_KEYWORDS and isinstance(value, float) and value.is_integer():
            result[key] = int(value)
        elif key in ("enum", "const", "default", "examples"):
            result[key] = value
        else:
            result[key] = _integral_counts(value)
    return result


@lru_cache(maxsize=256)
def _grammar_cached(schema_json: str, lenient: bool) -> str:
    from llguidance import LLMatcher

    options = dict(COMPILE_OPTIONS, lenient=lenient)
    try:
        grammar: str = LLMatcher.grammar_from_json_schema(schema_json, overrides=options)  # type: ignore[arg-type]
    except ValueError as exc:
        raise SchemaError(f"cannot turn the schema into a grammar: {exc}") from None
    is_error, messages = LLMatcher.validate_grammar_with_warnings(grammar)
    if is_error:
        raise SchemaError(f"cannot turn the schema into a grammar: {messages[0]}")
    return grammar


def generation_grammar(schema: Schema) -> str:
    """The grammar to generate under for a `generation_schema`, or plain JSON when llguidance cannot
    express it.

    A schema that is valid but beyond the grammar (non-disjoint patternProperties,
    $dynamicRef chains, huge multipleOf) still gets compact, well-formed JSON;
    the validator and the retry loop then do the rest.  An unsatisfiable schema
    is the caller's mistake and is reported as such.
    """
    try:
        return grammar_for(schema)
    except SchemaError as error:
        if "nsatisfiable" in str(error):
            raise SchemaError(f"the schema is unsatisfiable: no JSON value can match it ({error})") from None
        return grammar_for({})


def json_constraint(schema: Schema) -> Constraint:
    """The constraint for generating a value of ``schema``: compiled once per schema (cached).

    Both halves describe the *generation* schema (objects closed, formats
    relaxed: see `generation_schema`), so embedded and remote backends write
    the same shapes; the caller validates against the original schema.
    """
    return _constraint_cached(json.dumps(schema))  # not sort_keys: property order is the output order


@lru_cache(maxsize=256)
def _constraint_cached(schema_json: str) -> Constraint:
    generating = generation_schema(json.loads(schema_json))
    return Constraint(json_schema=generating, grammar=generation_grammar(generating))


def generation_schema(schema: Schema) -> Schema:
    """The schema the grammar enforces while generating: plain objects closed, their optional properties
    written as ``null`` when absent (`localgenie.structured.optional`), string formats relaxed.

    An object schema that lists ``properties`` but says nothing about other keys
    allows any extra key; a small model happily invents some.  Forbidding them
    while generating only narrows the output (every result is still valid), and
    it is skipped inside combinators, where closing one branch could make the
    combination unsatisfiable.  Formats become bounded patterns that admit the
    near misses real texts contain (`localgenie.structured.formats`): code
    completes those afterwards, and the validator checks the original schema.
    """
    result = copy.deepcopy(schema)
    _drop_annotations(result)
    _close_objects(result)
    require_with_null(result)
    relax_formats(result)
    return result


# Genie's own keywords, read by code after generating (`grounding`): kept from grammars and servers,
# which would at best ignore them.
GENIE_KEYWORDS = ("x-grounded",)
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_VALUES = ("enum", "const", "default", "examples")


def _drop_annotations(node: Any) -> None:
    """Remove `GENIE_KEYWORDS` in place, wherever a schema stands (never a property that has that name)."""
    if isinstance(node, list):
        for item in node:
            _drop_annotations(item)
        return
    if not isinstance(node, dict):
        return
    for keyword in GENIE_KEYWORDS:
        node.pop(keyword, None)
    for key, value in node.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            for child in value.values():
                _drop_annotations(child)
        elif key not in _VALUES:
            _drop_annotations(value)


def _close_objects(node: Any) -> None:
    if not isinstance(node, dict):
        return
    open_keys = ("additionalProperties", "patternProperties", "unevaluatedProperties", "$ref", *COMBINATORS)
    if "properties" in node and not any(key in node for key in open_keys):
        node["additionalProperties"] = False
    for child in plain_subschemas(node):
        _close_objects(child)
