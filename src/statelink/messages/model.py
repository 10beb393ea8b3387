"""The message of contract 1 (JSON, native API), validated field by field.

Every :class:`Message` instance is valid and normalised: build one with
:meth:`Message.parse` (a mapping or JSON text) or ``statelink.messages.text.decode``.
Any problem becomes :class:`~statelink.errors.MessageInvalid`, listing which field,
what was expected and what was given.

Parsing is total and bounded: any text or bytes give a message or MessageInvalid, and an
object with more than :data:`MAX_MEMBERS` members, or ``dest`` with more than
``MAX_DESTINATIONS`` codes, is refused before any of its members is looked at, so a
hostile message costs time linear in its size and yields a handful of errors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Required, TypedDict, TypeVar, cast

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    ValidationError,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

import statelink.messages.fields as rules
from statelink.errors import FieldError, MessageInvalid
from statelink.messages.keys import FIELD_ORDER, MESSAGE_KEYS, MessageKey
from statelink.states import NATIONWIDE

MAX_MEMBERS = 16
"""The most members any object of a JSON message may have: the message itself (11 known
members), ``warrant`` (3) and ``fields`` (3 in the longest search form)."""


class _Problems(ValueError):
    """Several field errors found by one validator (e.g. one per search field)."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(map(str, errors)))
        self.errors = errors


T = TypeVar("T")


def _expected(text: str, given: str | None = None) -> PydanticCustomError:
    context = {"expected": text} if given is None else {"expected": text, "given": given}
    return PydanticCustomError("statelink", "expected {expected}", context)


def _at_most_members(value: Any, what: str) -> Any:
    """Refuse an object with too many members before any of them is validated."""
    if isinstance(value, Mapping) and len(value) > MAX_MEMBERS:
        raise _expected(f"{what} of at most {MAX_MEMBERS} members", f"{len(value):,} members")
    return value


def _rule(rule: Callable[[T], T]) -> AfterValidator:
    """Wrap a rule of :mod:`statelink.messages.fields` as a pydantic validator."""

    def check(value: T) -> T:
        try:
            return rule(value)
        except rules.Unexpected as e:
            raise _expected(e.expected) from e

    return AfterValidator(check)


def render_given(value: Any) -> str:
    """How a given value is shown in an error: quoted, short, one line, never a stack trace."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    try:
        text = json.dumps(value, default=str)
    except (ValueError, RecursionError):  # past Python's limit on digits, or circular
        if isinstance(value, int):
            text = f"a number of about {value.bit_length() * 0.30103:,.0f} digits"
        else:
            text = "a value too long or too deep to show"
    return text if len(text) <= 60 else text[:57] + "..."


def render_name(name: str) -> str:
    """A member name the sender chose, as an error shows it: short and on one line."""
    short = name if len(name) <= 40 else name[:37] + "..."
    return short if short.isprintable() else repr(short)[1:-1]


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

    @model_validator(mode="before")
    @classmethod
    def _bounded(cls, data: Any) -> Any:
        return _at_most_members(data, "a warrant")


class Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    mke: Annotated[str, _rule(rules.message_key)]
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
        """Validate a JSON message (a mapping, or JSON text or UTF-8 bytes).

        Any input gives a message or MessageInvalid; nothing else is raised.
        """
        try:
            if isinstance(data, str | bytes):
                return cls.model_validate_json(data)
            return cls.model_validate(data)
        except ValidationError as e:
            raise MessageInvalid(field_errors(e, data)) from None

    def to_json(self) -> MessageJson:
        """The JSON form: required fields always, optional ones only when set."""
        return cast(MessageJson, self.model_dump(mode="json", exclude_defaults=True))

    @field_serializer("fields", when_used="json")
    def _iso_dates(self, fields: dict[str, str]) -> dict[str, str]:
        """JSON writes a date of birth as ISO 8601; the model keeps CCYYMMDD."""
        if "DOB" not in fields:
            return fields
        return {**fields, "DOB": rules.iso_date(fields["DOB"])}

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

    @model_validator(mode="before")
    @classmethod
    def _bounded(cls, data: Any) -> Any:
        return _at_most_members(data, "a JSON object")

    @field_validator("dest", mode="before")
    @classmethod
    def _few_destinations(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            try:
                rules.destination_count(len(value))
            except rules.Unexpected as e:
                many = len(value) > MAX_MEMBERS  # too many to show: count them
                raise _expected(e.expected, f"{len(value):,} codes" if many else None) from None
        return value

    @field_validator("dest")
    @classmethod
    def _single_state(cls, dest: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        key = MESSAGE_KEYS.get(info.data.get("mke", ""))
        if key is not None and key.single_state and (dest == (NATIONWIDE,) or len(dest) > 1):
            raise _expected(f"a single state for {key.code} (not NL, not several)")
        return dest

    @field_validator("fields", mode="before")
    @classmethod
    def _few_fields(cls, value: Any) -> Any:
        return _at_most_members(value, "search fields")

    @field_validator("fields")
    @classmethod
    def _fields(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        key = MESSAGE_KEYS.get(info.data.get("mke", ""))
        if key is None:
            return value  # the mke error is reported already
        problems: list[FieldError] = []
        normalised: dict[str, str] = {}
        seen: set[str] = set()
        for raw_name, raw in value.items():
            tag = rules.tag(raw_name)
            if key.code == "RPQ" and tag == "LIC":
                rule: Callable[[str], str] | None = rules.plate_pattern
            else:
                rule = rules.SEARCH_RULES.get(tag)
            if rule is None:
                problems.append(
                    FieldError(
                        f"fields.{render_name(raw_name)}",
                        f"a search field of {key.code}: {key.describe_forms()}",
                        render_given(raw),
                    )
                )
                continue
            if tag in seen:  # e.g. "OLN" and "oln"
                problems.append(
                    FieldError(f"fields.{tag}", "each search field at most once", render_given(raw))
                )
                continue
            seen.add(tag)
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


def field_errors(error: ValidationError, source: object = None) -> list[FieldError]:
    """Translate pydantic's errors into statelink's field-level errors.

    ``source`` is what was parsed, to say where JSON text or UTF-8 went wrong.
    """
    result: list[FieldError] = []
    for item in error.errors(include_url=False):
        ctx = item.get("ctx") or {}
        cause = ctx.get("error")
        if isinstance(cause, _Problems):
            result.extend(cause.errors)
            continue
        field = ".".join(render_name(str(part)) for part in item["loc"]) or "message"
        kind = item["type"]
        if kind == "missing":
            result.append(FieldError(field, "a value (this field is required)", "nothing"))
        elif kind == "extra_forbidden":
            result.append(
                FieldError(field, "no such field in a message", render_given(item["input"]))
            )
        elif kind == "statelink":
            given = ctx.get("given") or render_given(item["input"])
            result.append(FieldError(field, ctx["expected"], given))
        elif kind in ("json_invalid", "string_unicode") and field == "message":
            result.append(_not_json(item["msg"], source))
        elif kind in ("model_type", "dict_type"):
            expected = "a JSON object" if field == "message" else "an object"
            result.append(FieldError(field, expected, render_given(item["input"])))
        else:
            result.append(FieldError(field, _should_be(item["msg"]), render_given(item["input"])))
    return result


_WHERE = re.compile(r"(?:Invalid JSON: )?(.*) at (line [0-9]+ column [0-9]+)")


def _not_json(reason: str, source: object) -> FieldError:
    """Why a body is not a JSON object: bad UTF-8 or Unicode, or where its JSON breaks."""
    expected = "a JSON object"
    if isinstance(source, bytes):
        try:
            source.decode("utf-8")
        except UnicodeDecodeError as e:
            given = f"byte 0x{source[e.start]:02X} at offset {e.start}"  # as the API says it
            return FieldError("message", f"{expected} in UTF-8", given)
    if isinstance(source, str):
        try:
            source.encode("utf-8")
        except UnicodeEncodeError as e:
            given = f"text that is not Unicode (a lone surrogate) at character {e.start}"
            return FieldError("message", expected, given)
    where = _WHERE.fullmatch(reason)
    given = f"invalid JSON at {where[2]}: {where[1]}" if where else f"invalid JSON: {reason}"
    return FieldError("message", expected, given)


def _should_be(message: str) -> str:
    """pydantic's own message as statelink's "expected" text: 'Input should be a valid
    string' becomes 'a valid string'."""
    prefix = "Input should be "
    return (
        message[len(prefix) :] if message.startswith(prefix) else message[:1].lower() + message[1:]
    )
