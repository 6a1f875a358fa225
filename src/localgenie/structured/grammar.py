"""JSON Schema → llguidance grammar → a token matcher for one generation.

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
from .schema import Schema

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
    """The grammar to generate under: the schema's, or plain JSON when llguidance cannot express it.

    A schema that is valid but beyond the grammar (non-disjoint patternProperties,
    $dynamicRef chains, huge multipleOf) still gets compact, well-formed JSON;
    the validator and the retry loop then do the rest.  An unsatisfiable schema
    is the caller's mistake and is reported as such.
    """
    try:
        return grammar_for(generation_schema(schema))
    except SchemaError as error:
        if "nsatisfiable" in str(error):
            raise SchemaError(f"the schema is unsatisfiable: no JSON value can match it ({error})") from None
        return grammar_for({})


def new_matcher(tokenizer: Any, schema: Schema) -> Any:
    """A fresh matcher for one generation (matchers are stateful; grammars are cached)."""
    from llguidance import LLMatcher

    matcher = LLMatcher(tokenizer, generation_grammar(schema), log_level=0)
    if matcher.is_error():
        raise SchemaError(f"cannot build a token matcher for the schema: {matcher.get_error()}")
    return matcher


def generation_schema(schema: Schema) -> Schema:
    """The schema the grammar enforces while generating: the same, with plain objects closed.

    An object schema that lists ``properties`` but says nothing about other keys
    allows any extra key; a small model happily invents some.  Forbidding them
    while generating only narrows the output (every result is still valid), and
    it is skipped inside combinators, where closing one branch could make the
    combination unsatisfiable.
    """
    result = copy.deepcopy(schema)
    _close_objects(result)
    return result


def _close_objects(node: Any) -> None:
    if not isinstance(node, dict):
        return
    open_keys = ("additionalProperties", "patternProperties", "unevaluatedProperties", "$ref", *COMBINATORS)
    if "properties" in node and not any(key in node for key in open_keys):
        node["additionalProperties"] = False
    for key in ("properties", "$defs", "definitions"):
        children = node.get(key)
        if isinstance(children, dict):
            for child in children.values():
                _close_objects(child)
    for key in ("items", "additionalProperties", "contains"):
        _close_objects(node.get(key))
    prefix = node.get("prefixItems")
    if isinstance(prefix, list):
        for child in prefix:
            _close_objects(child)
