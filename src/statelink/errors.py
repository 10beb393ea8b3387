"""The one exception tree of statelink.

Every error a user can see is a :class:`StatelinkError`. Each carries a stable
``code`` (used in the JSON error shape), the HTTP status it maps to and the exit
code the CLI returns. Foreign errors (SQLAlchemy, httpx, cedarpy, OS) are
translated into this tree once, at the boundary that calls the foreign library.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, is_dataclass
from typing import Any, ClassVar


class StatelinkError(Exception):
    """Base of every error statelink raises on purpose."""

    code = "error"
    http_status = 500
    exit_code = 1
    detail_fields: ClassVar[tuple[str, ...]] = ()
    """The attributes that become members of the JSON error shape."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def details(self) -> dict[str, Any]:  # JSON boundary: the problem body's extra members
        """Extra machine-readable fields for the JSON error shape."""
        return {name: _plain(getattr(self, name)) for name in self.detail_fields}


def _plain(value: object) -> object:
    """A detail as JSON: problems and field errors (dataclasses) as objects."""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return value


# --- bad input: exit code 2 -------------------------------------------------


class UsageError(StatelinkError):
    """The caller asked for something malformed; retrying unchanged cannot help."""

    code = "bad-request"
    http_status = 400
    exit_code = 2


@dataclass(frozen=True)
class FieldError:
    """One field-level problem: which field, what was expected, what was given."""

    field: str
    expected: str
    given: str

    def __str__(self) -> str:
        return f"{self.field}: expected {self.expected}, given {self.given}"


MAX_LISTED_ERRORS = 20
"""A message's problems listed at most; ``error_count`` says how many there were."""


class MessageInvalid(UsageError):
    """A message (JSON or text form) failed validation.

    ``errors`` lists the first :data:`MAX_LISTED_ERRORS` problems and ``error_count``
    counts them all, so a hostile message cannot make the answer bigger than the limit.
    """

    code = "invalid-message"
    http_status = 422
    detail_fields = ("errors", "error_count")

    def __init__(self, errors: list[FieldError], *, count: int | None = None) -> None:
        if not errors:
            raise ValueError("MessageInvalid needs at least one FieldError")
        total = max(count or 0, len(errors))
        first = str(errors[0])
        more = f" (and {total - 1} more)" if total > 1 else ""
        super().__init__(f"invalid message: {first}{more}")
        self.errors = errors[:MAX_LISTED_ERRORS]
        self.error_count = total


class ContentTooLarge(UsageError):
    """A request body over the server's limit: refused while reading, before parsing."""

    code = "too-large"
    http_status = 413
    detail_fields = ("limit",)

    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body is over the limit of {limit:,} bytes")
        self.limit = limit


class UnsupportedMediaType(UsageError):
    """A request body in a media type the endpoint does not read."""

    code = "unsupported-media-type"
    http_status = 415


class RateLimited(StatelinkError):
    """A member sent more requests than its rate allows; ``retry_after`` says when to retry."""

    code = "rate-limited"
    http_status = 429
    detail_fields = ("retry_after",)

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class CsvInvalid(UsageError):
    """A CSV file (directory import) has a bad row; names the line and column."""

    code = "invalid-csv"
    http_status = 422
    detail_fields = ("path", "line", "errors")

    def __init__(self, path: str, line: int, error: FieldError) -> None:
        super().__init__(f"{path}, line {line}: {error}")
        self.path = path
        self.line = line
        self.error = error
        self.errors = [error]


@dataclass(frozen=True)
class PolicyProblem:
    """Why a policy set was refused: the file, the policy's @id (if known), the problem."""

    file: str
    policy_id: str
    problem: str

    def __str__(self) -> str:
        where = f"{self.file}, policy {self.policy_id}" if self.policy_id else self.file
        return f"{where}: {self.problem}" if where else self.problem


class PolicyInvalid(StatelinkError):
    """A policy set failed to parse or to validate against the schema; none of it is loaded."""

    code = "invalid-policy"
    http_status = 422
    exit_code = 1
    detail_fields = ("problems",)

    def __init__(self, problems: list[PolicyProblem]) -> None:
        if not problems:
            raise ValueError("PolicyInvalid needs at least one PolicyProblem")
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"policy set refused: {problems[0]}{more}")
        self.problems = problems


# --- refusals and missing things: exit code 1 --------------------------------


class DomainTooLarge(StatelinkError):
    """Comparing policy sets exactly would mean deciding too many requests."""

    code = "domain-too-large"
    http_status = 422


class NotFound(StatelinkError):
    code = "not-found"
    http_status = 404


class ControlReused(StatelinkError):
    """An ORI sent a different message with a control field it used moments before."""

    code = "control-reused"
    http_status = 409
    detail_fields = ("ori", "control")

    def __init__(self, ori: str, control: str, window: float) -> None:
        super().__init__(
            f"{ori} sent control field {control} for a different message within the last "
            f"{window / 60:g} minutes; use a new control field for a new query"
        )
        self.ori = ori
        self.control = control


class OriNotOwned(StatelinkError):
    """A member sent a message for an ORI it does not own. Nothing is sent."""

    code = "ori-not-owned"
    http_status = 403
    detail_fields = ("ori",)

    def __init__(self, member: str, ori: str) -> None:
        super().__init__(f"member {member} may not send for ORI {ori}; nothing was sent")
        self.ori = ori


class Unauthenticated(StatelinkError):
    """No valid client certificate or bearer token: the hub does not know the caller."""

    code = "unauthenticated"
    http_status = 401


class Forbidden(StatelinkError):
    """The caller is known but not allowed here (e.g. a node called by anyone but its hub)."""

    code = "forbidden"
    http_status = 403


class PageRefused(StatelinkError):
    """A dashboard page refused to its visitor (401: sign in first). It is always shown
    as a page, never in the JSON error shape, so it has no code of its own."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.http_status = status


class UnknownAgency(StatelinkError):
    """An ORI that is well formed but not in the directory. Fail closed: nothing is sent."""

    code = "unknown-ori"
    http_status = 403
    detail_fields = ("ori",)

    def __init__(self, ori: str) -> None:
        super().__init__(f"unknown ORI {ori}: not in the directory, nothing was sent")
        self.ori = ori


class NationMissing(StatelinkError):
    """The data folder holds no built nation (directory and state records)."""

    code = "no-data"
    http_status = 503


class StoreError(StatelinkError):
    """A database operation failed; the foreign error is chained as __cause__."""

    code = "store-error"
    http_status = 500


class HubStoreUnavailable(StatelinkError):
    """The hub's shared database cannot be reached: a message is refused rather than
    routed without its resubmission claim (a retry could be decided twice)."""

    code = "hub-store-unavailable"
    http_status = 503


class HubUnreachable(StatelinkError):
    """The CLI could not reach the hub named by --hub or STATELINK_HUB."""

    code = "hub-unreachable"
    http_status = 502


class NodeUnreachable(StatelinkError):
    """No node answers for a state: not connected, down, or refused the connection."""

    code = "node-unreachable"
    http_status = 502


class RemoteError(StatelinkError):
    """An error the hub returned over HTTP, carried to the caller with its code."""

    def __init__(self, code: str, status: int, message: str, details: dict[str, Any]) -> None:
        super().__init__(message)
        self.code = code
        self.http_status = status
        self.exit_code = 2 if status in (400, 413, 415, 422) else 1
        self._details = details

    def details(self) -> dict[str, Any]:
        return self._details


class ServiceFailed(StatelinkError):
    """A service that ``statelink demo --processes`` (or a test) started did not come up,
    or stopped; the message ends with the end of its log."""

    code = "service-failed"


class AuditUnavailable(StatelinkError):
    """A record could not be written to the audit log: nothing may be released."""

    code = "audit-unavailable"
    http_status = 503


class AuditInvalid(StatelinkError):
    """An audit log failed verification: a record was changed, removed or reordered."""

    code = "audit-invalid"
    http_status = 409
