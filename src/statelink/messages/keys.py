"""Message keys (MKE): what each query asks for and which search fields it takes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SearchForm:
    """One accepted combination of search fields: all of ``required``, any of ``optional``."""

    required: frozenset[str]
    optional: frozenset[str] = frozenset()

    def accepts(self, given: frozenset[str]) -> bool:
        return self.required <= given and given <= self.required | self.optional

    def describe(self) -> str:
        parts = "+".join(sorted(self.required, key=FIELD_ORDER.index))
        if self.optional:
            parts += "".join(f"(+{f})" for f in sorted(self.optional, key=FIELD_ORDER.index))
        return parts


@dataclass(frozen=True, slots=True)
class MessageKey:
    code: str
    response: str
    dataset: str  # "driver" | "vehicle"
    title: str
    forms: tuple[SearchForm, ...]
    single_state: bool = False

    def describe_forms(self) -> str:
        return " or ".join(f.describe() for f in self.forms)


FIELD_ORDER: tuple[str, ...] = ("OLN", "NAM", "DOB", "SEX", "LIC", "LIY", "LIT", "VIN")
"""Every search field, in the order the text form writes them."""


def _form(required: set[str], optional: set[str] | None = None) -> SearchForm:
    return SearchForm(frozenset(required), frozenset(optional or ()))


MESSAGE_KEYS: dict[str, MessageKey] = {
    k.code: k
    for k in (
        MessageKey(
            "DQ",
            "DR",
            "driver",
            "driver query",
            (_form({"OLN"}), _form({"NAM", "DOB"}, {"SEX"})),
        ),
        MessageKey("DNQ", "DNR", "driver", "driver query by name", (_form({"NAM"}),)),
        MessageKey("KQ", "KR", "driver", "driver history", (_form({"OLN"}),)),
        MessageKey(
            "RQ",
            "RR",
            "vehicle",
            "registration query",
            (_form({"LIC"}, {"LIY", "LIT"}), _form({"VIN"})),
        ),
        MessageKey("RNQ", "RNR", "vehicle", "registration by owner name", (_form({"NAM"}),)),
        MessageKey(
            "RPQ",
            "RPR",
            "vehicle",
            "partial plate",
            (_form({"LIC"}, {"LIT"}),),
            single_state=True,
        ),
    )
}

RESPONSE_KEYS: frozenset[str] = frozenset(k.response for k in MESSAGE_KEYS.values())
DATASET_KINDS: tuple[str, ...] = ("driver", "vehicle")
