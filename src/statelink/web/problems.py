"""The one JSON error shape of the HTTP API: RFC 9457 problem details.

Every error response, whatever raised it, has ``Content-Type: application/problem+json``
and the body::

    {"type": "urn:statelink:error:<code>", "title": "...", "status": 422,
     "detail": "one line a person can read", "code": "<code>", ...extra fields}

Validation errors add ``errors``: a list of ``{"field", "expected", "given"}``.

A request whose answer is XML (:mod:`statelink.web.negotiation`) gets the same problem
as ``application/problem+xml`` (RFC 7807's XML form).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import structlog
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request

from statelink.errors import FieldError, RateLimited, StatelinkError
from statelink.web.negotiation import Form, answer_form

log = structlog.get_logger(__name__)

MEDIA_TYPE = "application/problem+json"

TITLES = {413: "Content Too Large", 422: "Unprocessable Content"}
"""Reason phrases of RFC 9110 where Python's :class:`~http.HTTPStatus` still has older ones."""

HTTP_CODES = {
    400: "bad-request",
    404: "not-found",
    405: "method-not-allowed",
    413: "too-large",
    415: "unsupported-media-type",
}
"""The code of an error the web framework raised, by status (others: ``http-error``)."""


def title(status: int) -> str:
    return TITLES.get(status) or HTTPStatus(status).phrase


def answer(request: Request, status: int, code: str, detail: str, **extra: Any) -> Response:
    """The problem in the form the request's answer takes: JSON, or XML."""
    if answer_form(request) is Form.JSON:
        return problem(status, code, detail, **extra)
    from statelink.messages.niem import PROBLEM_MEDIA_TYPE, problem_xml

    listed = [FieldError(e["field"], e["expected"], e["given"]) for e in extra.pop("errors", [])]
    body = problem_xml(status, title(status), detail, listed, code=code, members=extra)
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE)


def problem(status: int, code: str, detail: str, **extra: Any) -> JSONResponse:
    body = {
        "type": f"urn:statelink:error:{code}",
        "title": title(status),
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


async def _statelink_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StatelinkError)
    response = answer(request, exc.http_status, exc.code, exc.message, **exc.details())
    if isinstance(exc, RateLimited):
        response.headers["retry-after"] = str(exc.retry_after)
    return response


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": ".".join(str(p) for p in e["loc"] if p not in ("query", "path", "body")),
            "expected": e["msg"].lower(),
            "given": str(e.get("input", ""))[:60],
        }
        for e in exc.errors()
    ]
    first = errors[0] if errors else {"field": "request", "expected": "a valid request"}
    detail = f"{first['field']}: {first['expected']}"
    return answer(request, 422, "bad-request", detail, errors=errors)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = HTTP_CODES.get(exc.status_code, "http-error")
    response = answer(request, exc.status_code, code, str(exc.detail))
    response.headers.update(exc.headers or {})  # e.g. 405's Allow
    return response


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.error("unhandled_error", exc_info=exc)  # frames and kinds only: no message
    return answer(request, 500, "internal-error", "the server failed; nothing was released")


def install(app: Starlette) -> None:
    """Route every error raised in ``app`` to the one problem shape."""
    app.add_exception_handler(StatelinkError, _statelink_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
