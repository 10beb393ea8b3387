"""The message of contract 1 (JSON, native API), validated field by field.

Every :class:`Message` instance is valid and normalised: build one with
:meth:`Message.parse` (a mapping or JSON text) or ``statelink.messages.text.decode``.
Any problem becomes :class:`~statelink.errors.MessageInvalid`, listing which field,
what was expected and what was given.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Required, TypedDict, TypeVar, cast

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

import statelink.messages.fields as rules
from statelink.errors import FieldError, MessageInvalid
from statelink.messages.keys import FIELD_ORDER, MESSAGE_KEYS, MessageKey
from statelink.states import NATIONWIDE


class _Problems(ValueError):
    """Several field errors found by one validator (e.g. one per search field)."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(map(str, errors)))
        self.errors = errors


T = TypeVar("T")


def _expected(text: str) -> PydanticCustomError:
    return PydanticCustomError("statelink", "expected {expected}", {"expected": text})


def _rule(rule: Callable[[T], T]) -> AfterValidator:
    """Wrap a rule of :mod:`statelink.messages.fields` as a pydantic validator."""

    def check(value: T) -> T:
        try:
            return rule(value)
        except rules.Unexpected as e:
            raise _expected(e.expected) from e

    return AfterValidator(check)


def render_given(value: Any) -> str:
    """How a given value is shown in an error: quoted, short, never a stack trace."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if len(text) > 60:
        text = text[:57] + "..."
    return repr(text) if isinstance(value, str) else text


class WarrantJson(TypedDict, total=False):
    kind: Required[str]
    id: Required[str]
    court: str


class MessageJson(TypedDict, total=False):
    """A message's JSON form (contract 1): required members always, optional ones when set."""

    mke: Required[str]
    ori: Required[str]
    dest: Required[list[str]]
    control: str
    purpose: Required[str]
    reason: str
    warrant: WarrantJson
    case_number: str
    offense: str
    operator: str
    fields: Required[dict[str, str]]


class Warrant(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Annotated[str, _rule(rules.warrant_kind)]
    id: Annotated[str, _rule(rules.warrant_id)]
    court: Annotated[str, _rule(rules.warrant_court)] = ""


class Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    mke: str
    ori: Annotated[str, _rule(rules.ori)]
    dest: Annotated[tuple[str, ...], _rule(rules.destinations)]
    control: Annotated[str, _rule(rules.control)] = ""
    purpose: Annotated[str, _rule(rules.purpose)]
    reason: Annotated[str, _rule(rules.reason)] = ""
    warrant: Warrant | None = None
    case_number: Annotated[str, _rule(rules.case_number)] = ""
    offense: Annotated[str, _rule(rules.offense)] = ""
    operator: Annotated[str, _rule(rules.operator)] = ""
    fields: dict[str, str]

    # --- construction ---------------------------------------------------------

    @classmethod
    def parse(cls, data: Mapping[str, Any] | str | bytes) -> Message:
        """Validate a JSON message (a mapping, or JSON text); raise MessageInvalid."""
        try:
            if isinstance(data, str | bytes):
                return cls.model_validate_json(data)
            return cls.model_validate(data)
        except ValidationError as e:
            raise MessageInvalid(field_errors(e)) from None

    def to_json(self) -> MessageJson:
        """The JSON form: required fields always, optional ones only when set."""
        return cast(MessageJson, self.model_dump(mode="json", exclude_defaults=True))

    # --- derived facts ---------------------------------------------------------

    @property
    def key(self) -> MessageKey:
        return MESSAGE_KEYS[self.mke]

    @property
    def nationwide(self) -> bool:
        return self.dest == (NATIONWIDE,)

    @property
    def multi_state(self) -> bool:
        return self.nationwide or len(self.dest) > 1

    # --- field rules -----------------------------------------------------------

    @field_validator("mke")
    @classmethod
    def _mke(cls, value: str) -> str:
        code = value.strip().upper()
        if code not in MESSAGE_KEYS:
            raise _expected(f"a query message key, one of {' '.join(MESSAGE_KEYS)}")
        return code

    @field_validator("dest")
    @classmethod
    def _single_state(cls, dest: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        key = MESSAGE_KEYS.get(info.data.get("mke", ""))
        if key is not None and key.single_state and (dest == (NATIONWIDE,) or len(dest) > 1):
            raise _expected(f"a single state for {key.code} (not NL, not several)")
        return dest

    @field_validator("fields")
    @classmethod
    def _fields(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        key = MESSAGE_KEYS.get(info.data.get("mke", ""))
        if key is None:
            return value  # the mke error is reported already
        problems: list[FieldError] = []
        normalised: dict[str, str] = {}
        for raw_name, raw in value.items():
            tag = raw_name.strip().upper()
            if key.code == "RPQ" and tag == "LIC":
                rule: Callable[[str], str] | None = rules.plate_pattern
            else:
                rule = rules.SEARCH_RULES.get(tag)
            if rule is None:
                problems.append(
                    FieldError(
                        f"fields.{raw_name}",
                        f"a search field of {key.code}: {key.describe_forms()}",
                        render_given(raw),
                    )
                )
                continue
            try:
                normalised[tag] = rule(raw)
            except rules.Unexpected as e:
                problems.append(FieldError(f"fields.{tag}", e.expected, render_given(raw)))
        given = frozenset(normalised)
        if not problems and not any(form.accepts(given) for form in key.forms):
            shown = "+".join(sorted(given, key=FIELD_ORDER.index))
            problems.append(
                FieldError(
                    "fields",
                    f"{key.code} search fields {key.describe_forms()}",
                    shown or "no search field",
                )
            )
        if problems:
            raise _Problems(problems)
        return {tag: normalised[tag] for tag in FIELD_ORDER if tag in normalised}


def field_errors(error: ValidationError) -> list[FieldError]:
    """Translate pydantic's errors into statelink's field-level errors."""
    result: list[FieldError] = []
    for item in error.errors():
        ctx = item.get("ctx") or {}
        cause = ctx.get("error")
        if isinstance(cause, _Problems):
            result.extend(cause.errors)
            continue
        field = ".".join(str(part) for part in item["loc"]) or "message"
        kind = item["type"]
        if kind == "missing":
            result.append(FieldError(field, "a value (this field is required)", "nothing"))
        elif kind == "extra_forbidden":
            result.append(
                FieldError(field, "no such field in a message", render_given(item["input"]))
            )
        elif kind == "statelink":
            result.append(FieldError(field, ctx["expected"], render_given(item["input"])))
        else:
            result.append(FieldError(field, item["msg"].lower(), render_given(item["input"])))
    return result
