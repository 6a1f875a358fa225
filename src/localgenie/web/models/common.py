"""What every API model shares: the output base class and the closed word lists."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

# The closed lists the API accepts (the kitchen's own: `expiry.LOCATIONS`, `corpus.DIETS`).
Location = Literal["fridge", "freezer", "pantry"]
Diet = Literal["vegetarian", "vegan", "gluten-free", "dairy-free", "nut-free"]
Word = Annotated[str, Field(min_length=1, max_length=60)]  # an ingredient to use or to leave out


def rounded(digits: int) -> AfterValidator:
    """A float field kept to ``digits`` decimals in answers (confidences, scores, seconds)."""
    return AfterValidator(lambda value: round(value, digits))


Rounded3 = Annotated[float, rounded(3)]


class Out(BaseModel):
    """Base of every answer model.  An answer is built one way: each of the library's objects is read by
    attribute (``ItemOut.model_validate(pantry_item)``), and an envelope that gathers several is given
    them by keyword; values are never copied field by field.  A model here restates a library type only
    where HTTP needs more than the type has: descriptions in the API docs, a derived field (``days_left``),
    or fewer fields (no server paths)."""

    model_config = ConfigDict(from_attributes=True)
