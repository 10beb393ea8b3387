"""The one JSON error shape of the HTTP API: RFC 9457 problem details.

Every error response, whatever raised it, has ``Content-Type: application/problem+json``
and the body::

    {"type": "urn:statelink:error:<code>", "title": "...", "status": 422,
     "detail": "one line a person can read", "code": "<code>", ...extra fields}

Validation errors add ``errors``: a list of ``{"field", "expected", "given"}``.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import structlog
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request

from statelink.errors import StatelinkError

log = structlog.get_logger(__name__)

MEDIA_TYPE = "application/problem+json"


def problem(status: int, code: str, detail: str, **extra: Any) -> JSONResponse:
    body = {
        "type": f"urn:statelink:error:{code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


async def _statelink_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StatelinkError)
    return problem(exc.http_status, exc.code, exc.message, **exc.details())


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
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
    return problem(422, "bad-request", f"{first['field']}: {first['expected']}", errors=errors)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
    return problem(exc.status_code, code, str(exc.detail))


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled_error", exc_info=exc)  # frames and kinds only: no message
    return problem(500, "internal-error", "the server failed; nothing was released")


def install(app: Starlette) -> None:
    """Route every error raised in ``app`` to the one problem shape."""
    app.add_exception_handler(StatelinkError, _statelink_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
