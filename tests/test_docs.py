"""The docs against the code: error codes, CLI commands and HTTP routes.

Each check runs both ways: what the code has must be in the docs, and what the docs show
must be in the code. The docs are README.md and docs/*.md; a command counts where it is
written as code (`statelink review approve|deny ...`, or after one such span in the same
line, `statelink directory show ORI` · `import FILE`), a route where a method and a path
stand together (`GET /v1/health`, or a table row whose cells are `GET` and `/v1/health`).
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import json
import pkgutil
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import typer.core
import typer.main
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

import statelink
from statelink.cli import app as cli_app
from statelink.config import HubConfig, NodeConfig
from statelink.embedded import EmbeddedNetwork
from statelink.errors import RemoteError, StatelinkError
from statelink.nation import Layout
from statelink.pki import init as pki_init
from statelink.web import problems
from statelink.web.admission import Admission
from statelink.web.api import create_app
from statelink.web.http_protocol import refusal
from statelink.web.hub_service import create_hub_app
from statelink.web.node_service import create_node_app
from statelink.witness.service import routes as witness_routes
from tests.conftest import copy_nation

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _all_docs() -> dict[str, str]:
    paths = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
    return {str(p.relative_to(ROOT)): _read(p) for p in paths}


def _tables(text: str) -> Iterator[list[list[str]]]:
    """Each Markdown table as rows of cells (header first, ``\\|`` unescaped)."""
    rows: list[list[str]] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            if not re.fullmatch(r"[|\s:-]+", line):
                cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
                rows.append([c.strip().replace("\\|", "|") for c in cells])
        elif rows:
            yield rows
            rows = []


# --- error codes --------------------------------------------------------------------------


@dataclass(frozen=True)
class Code:
    """What the code says about an error code: its HTTP status and the CLI's exit code."""

    status: int
    exit: int


def _error_classes(base: type[StatelinkError]) -> Iterator[type[StatelinkError]]:
    for cls in base.__subclasses__():
        yield cls
        yield from _error_classes(cls)


def _declared_codes() -> dict[str, Code]:
    """Every code an exception class sets, in errors.py or elsewhere in the package (every
    module is imported to find them); RemoteError sets none: it carries a hub's."""
    for module in pkgutil.walk_packages(statelink.__path__, "statelink."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    return {
        cls.code: Code(cls.http_status, cls.exit_code)
        for cls in _error_classes(StatelinkError)
        if "code" in vars(cls)
    }


async def _fail(_request: Request) -> Response:
    raise RuntimeError("a bug")


async def _gone(_request: Request) -> Response:
    raise HTTPException(410)  # any HTTP error the framework raises without a code of ours


def _http_layer_codes() -> dict[str, Code]:
    """Codes the problem layer adds on its own: asked of the real handlers, not listed here."""
    app = Starlette(
        routes=[Route("/fail", _fail, methods=["GET"]), Route("/gone", _gone, methods=["GET"])]
    )
    problems.install(app)

    async def ask() -> list[httpx.Response]:
        answers = []
        asks: list[tuple[ASGIApp, str, str]] = [
            (app, "DELETE", "/fail"),
            (app, "GET", "/fail"),
            (Admission(app, limit=0), "GET", "/fail"),
            (app, "GET", "/gone"),
        ]
        for asgi, method, path in asks:
            transport = httpx.ASGITransport(asgi, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                answers.append(await client.request(method, path))
        return answers

    found = {}
    for answer in asyncio.run(ask()):
        code, status = answer.json()["code"], answer.status_code
        found[code] = Code(status, RemoteError(code, status, "", {}).exit_code)
    status, _, body = refusal(b"\x00 not HTTP\r\n\r\n", lambda _path: [])  # the HTTP parser's
    code = json.loads(body)["code"]
    found[code] = Code(status, RemoteError(code, status, "", {}).exit_code)
    return found


def _documented_codes(text: str) -> dict[str, dict[str, str]]:
    """The rows of every table with a ``code`` and a ``status`` column, by code."""
    found: dict[str, dict[str, str]] = {}
    for header, *rows in _tables(text):
        if "code" not in header or not any("status" in c for c in header):
            continue
        for cells in rows:
            row = dict(zip(header, cells, strict=True))
            code = re.fullmatch(r"`([a-z-]+)`", row["code"])
            if code:
                found[code.group(1)] = row
    return found


def test_every_error_code_is_documented_with_its_status_and_exit_code() -> None:
    codes = {**_declared_codes(), **_http_layer_codes()}
    documented = _documented_codes(_read(DOCS / "api.md"))
    assert sorted(set(codes) - set(documented)) == [], "codes missing from docs/api.md"
    wrong = []
    for name, row in documented.items():
        code = codes.get(name)
        if code is None:
            continue
        status = next(v for k, v in row.items() if "status" in k)
        if str(code.status) not in status or row.get("exit") != str(code.exit):
            wrong.append(f"{name}: status {code.status}, exit {code.exit}; documented {row}")
    assert wrong == []


def test_the_docs_document_only_error_codes_that_exist() -> None:
    codes = {**_declared_codes(), **_http_layer_codes()}
    unknown = [
        f"{name}: {code}"
        for name, text in _all_docs().items()
        for code in _documented_codes(text)
        if code not in codes
    ]
    assert unknown == []


# --- CLI commands -------------------------------------------------------------------------


@functools.cache
def _command_tree() -> dict[str, set[str]]:
    """Each top-level command, with its subcommands (empty for a command without)."""
    root = typer.main.get_command(cli_app)
    assert isinstance(root, typer.core.TyperGroup)
    tree: dict[str, set[str]] = {}
    for name, command in root.commands.items():
        subcommands = command.commands if isinstance(command, typer.core.TyperGroup) else {}
        assert not any(isinstance(c, typer.core.TyperGroup) for c in subcommands.values())
        tree[name] = set(subcommands)
    return tree


WORD = r"[a-z][a-z0-9|-]*"
COMMAND = re.compile(rf"(?<![\w./-])statelink\s+({WORD})(?:[ \t]+({WORD}))?")
CODE_SPAN = re.compile(r"`([^`]+)`")


def _fenced_and_inline(text: str) -> Iterator[tuple[bool, str]]:
    """Each line, and whether it is inside a fenced code block."""
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        yield fenced, line


def _mentions_in_line(line: str, fenced: bool) -> Iterator[tuple[str, ...]]:
    """Each ``(command,)`` or ``(command, subcommand)`` a line shows, alternatives apart."""
    if fenced:
        for found in COMMAND.finditer(line):
            yield from _expand(found.group(1), found.group(2))
        return
    group, end = "", 0
    for span in CODE_SPAN.finditer(line):
        code = span.group(1).replace("\\|", "|")
        command = COMMAND.search(code)
        if command:
            group = command.group(1)
            yield from _expand(command.group(1), command.group(2))
        elif group and line[end : span.start()].strip() == "·":
            yield from _continued(group, code.split())
        else:
            group = ""
        end = span.end()


def _continued(group: str, words: list[str]) -> Iterator[tuple[str, ...]]:
    """A span after ``statelink GROUP ...`` and a ``·``: ``import FILE`` or ``pki member``."""
    words = words[1:] if words and words[0] == group else words
    if words and re.fullmatch(WORD, words[0]):
        yield from _expand(group, words[0])


def _expand(first: str, second: str | None) -> Iterator[tuple[str, ...]]:
    tree = _command_tree()
    for command in first.split("|"):
        if tree.get(command) and second:
            for subcommand in second.split("|"):
                yield command, subcommand
        else:
            yield (command,)


def _command_mentions() -> dict[tuple[str, ...], str]:
    """Every command the docs show, with the first file that shows it."""
    found: dict[tuple[str, ...], str] = {}
    for name, text in _all_docs().items():
        for fenced, line in _fenced_and_inline(text):
            for mention in _mentions_in_line(line, fenced):
                found.setdefault(mention, name)
    return found


def test_every_command_is_documented() -> None:
    commands = [
        (name, *([sub] if sub else []))
        for name, subs in _command_tree().items()
        for sub in (sorted(subs) or [""])
    ]
    mentions = _command_mentions()
    missing = [" ".join(c) for c in commands if c not in mentions]
    assert missing == [], "commands missing from README.md and docs/*.md"


def test_the_docs_show_only_commands_that_exist() -> None:
    tree = _command_tree()
    unknown = [
        f"{where}: statelink {' '.join(mention)}"
        for mention, where in _command_mentions().items()
        if mention[0] not in tree or (len(mention) == 2 and mention[1] not in tree[mention[0]])
    ]
    assert unknown == []


# --- HTTP routes --------------------------------------------------------------------------

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
DOC_ROUTE = re.compile(rf"\b({'|'.join(METHODS)})\s+(/[^\s?`|]*)")


def _normal(path: str) -> str:
    """Path parameters are compared by place, not name: ``{id}`` is ``{message_id}``."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def _documented_routes(text: str) -> set[tuple[str, str]]:
    """Method and path pairs, in a code span or in the cells of one table row."""
    found = set()
    for line in text.splitlines():
        flat = line.replace("`", " ").replace("|", " ")
        found |= {(m, _normal(p)) for m, p in DOC_ROUTE.findall(flat)}
    return found


def _served_routes(app: Starlette) -> set[tuple[str, str]]:
    """The app's routes; the dashboard's HTML pages (under /dashboard) are not the API."""
    return {
        (method, _normal(route.path))
        for route in app.routes
        if isinstance(route, Route) and not route.path.startswith("/dashboard")
        for method in route.methods or ()
        if method in METHODS
    }


@dataclass(frozen=True)
class Apps:
    """The routes of each app: the embedded API, the hub service, a node service."""

    embedded: set[tuple[str, str]]
    hub: set[tuple[str, str]]
    node: set[tuple[str, str]]


def _routes_of(app: Starlette) -> set[tuple[str, str]]:
    """Read the routes, then run the app's startup and shutdown so its stores close."""
    routes = _served_routes(app)

    async def start_and_stop() -> None:
        async with app.router.lifespan_context(app):
            pass

    asyncio.run(start_and_stop())
    return routes


@pytest.fixture(scope="module")
def apps(layout: Layout, tmp_path_factory: pytest.TempPathFactory) -> Apps:
    root = tmp_path_factory.mktemp("docs")
    own = copy_nation(layout, root / "nation")
    pki = pki_init(root / "pki", states=["WA"])
    tls = {"cert": pki.hub, "key": pki.hub_key, "ca": pki.ca}
    hub = create_hub_app(HubConfig.load(None, data=own.root, **tls))
    node = create_node_app(
        NodeConfig.load(
            None,
            state="WA",
            data=own.root,
            cert=pki.node("WA"),
            key=pki.node_key("WA"),
            ca=pki.ca,
            hub_cert=pki.hub,
        )
    )
    embedded = create_app(EmbeddedNetwork.open(own))
    return Apps(_routes_of(embedded), _routes_of(hub), _routes_of(node))


def test_every_route_is_documented(apps: Apps) -> None:
    api = _documented_routes(_read(DOCS / "api.md"))
    networked = _documented_routes(_read(DOCS / "networked.md"))
    assert sorted(apps.embedded - api) == [], "embedded API routes missing from docs/api.md"
    assert sorted(apps.hub - api - networked) == [], "hub routes missing from the docs"
    assert sorted(apps.node - networked) == [], "node routes missing from docs/networked.md"


def test_the_docs_list_only_routes_that_exist(apps: Apps) -> None:
    witness = _served_routes(Starlette(routes=witness_routes))
    assert sorted(witness - _documented_routes(_read(DOCS / "witness.md"))) == []
    served = apps.embedded | apps.hub | apps.node | witness
    unknown = [
        f"{name}: {method} {path}"
        for name, text in _all_docs().items()
        for method, path in sorted(_documented_routes(text))
        if (method, path) not in served and not path.startswith("/dashboard")
    ]
    assert unknown == []
