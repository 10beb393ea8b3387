"""A witness as an HTTP service: C2SP ``tlog-witness``.

- ``POST /add-checkpoint``: an ``old <size>`` line, a consistency proof, an empty line
  and a signed checkpoint; 200 with the cosignature line, or 400 (malformed, or old size
  above the checkpoint's), 403 (no valid signature by the log's key), 404 (unknown
  origin), 409 (``text/x.tlog.size``: the size last cosigned, when ``old`` is not it),
  413 (body too large), 422 (bad consistency proof, or a wrong root for the empty tree);
- ``GET /<sha-256 of the origin, hex>/checkpoint``: the latest checkpoint cosigned for
  that log, with the log's own signature line(s) (verified when it was cosigned) and the
  witness's cosignature, nothing else: other signature lines a submitter added, which
  the witness never checked, are left out.

The body of a request is read within :data:`READ_SECONDS` by default (408 after), so a client that
trickles its body cannot hold a connection; ``statelink witness serve`` also limits
concurrent connections and keep-alive.

Plain text throughout; proofs and signatures are checked with the independent verifier.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import logging
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from statelink.audit import verifier
from statelink.errors import StoreError
from statelink.witness.keys import WitnessKey
from statelink.witness.store import EMPTY_ROOT, WitnessStore
from statelink.witness.submission import MAX_BODY, Malformed, Submission, checkpoint

log = logging.getLogger(__name__)
SIZE_TYPE = "text/x.tlog.size"
READ_SECONDS = 10.0


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    media_type: str = "text/plain; charset=utf-8"

    def response(self) -> Response:
        # the type exactly as given: Starlette would add a charset to a text/ media type
        return Response(self.body.encode(), self.status, headers={"content-type": self.media_type})


@dataclass(frozen=True)
class Witness:
    """The witness behind the app: its key and its store."""

    key: WitnessKey
    store: WitnessStore

    def add_checkpoint(self, body: bytes) -> Answer:
        """Check a request as tlog-witness says, in its order, and cosign if all pass."""
        try:
            submission = Submission.parse(body)
        except Malformed as e:
            return Answer(400, f"malformed request: {e}\n")
        cp = checkpoint(submission.note)
        known = self.store.log(cp.origin)
        if known is None:
            return Answer(404, f"unknown log origin {cp.origin}\n")
        try:
            verifier.open_checkpoint(submission.note, verifier.VerifierKey.parse(known.log_key))
        except verifier.VerificationError as e:
            return Answer(403, f"{e}\n")
        if submission.old > cp.size:
            return Answer(400, f"old size {submission.old} is above the checkpoint's {cp.size}\n")
        if submission.old != known.size:
            return Answer(409, f"{known.size}\n", SIZE_TYPE)
        if cp.size == 0 and cp.root != EMPTY_ROOT:
            return Answer(422, "a checkpoint of the empty tree has the empty root\n")
        try:
            verifier.verify_consistency(
                submission.old, cp.size, known.root, cp.root, submission.proof
            )
        except verifier.VerificationError as e:
            log.warning("witness: inconsistent checkpoint for %s: %s", cp.origin, e)
            return Answer(422, f"{e}\n")
        line = self.key.cosign(verifier.note_text(submission.note))
        if not self.store.advance(known, cp.size, cp.root, submission.note, line):
            now = self.store.require(cp.origin)
            return Answer(409, f"{now.size}\n", SIZE_TYPE)
        return Answer(200, line)

    def checkpoint(self, origin_hash: str) -> Answer:
        for known in self.store.logs():
            if hashlib.sha256(known.origin.encode()).hexdigest() == origin_hash and known.note:
                return Answer(200, _logs_own(known.note, known.log_key) + known.cosignature)
        return Answer(404, "this witness has cosigned no checkpoint of that log\n")


def _logs_own(note: str, log_key: str) -> str:
    """The note with only the signature lines of the log's key (name and key ID)."""
    key = verifier.VerifierKey.parse(log_key)
    text, _, signatures = note.rpartition("\n\n")
    own = [line for line in signatures.splitlines() if _signed_by(line, key)]
    return text + "\n\n" + "".join(f"{line}\n" for line in own)


def _signed_by(line: str, key: verifier.VerifierKey) -> bool:
    name, _, encoded = line.removeprefix("\u2014 ").rpartition(" ")
    try:
        return name == key.name and base64.b64decode(encoded, validate=True)[:4] == key.key_id
    except binascii.Error:
        return False


async def add_checkpoint(request: Request) -> Response:
    witness: Witness = request.app.state.witness
    seconds: float = request.app.state.read_seconds
    try:
        async with asyncio.timeout(seconds):
            body = await _body(request)
    except TimeoutError:
        return Answer(408, f"the request was not read within {seconds:g} s\n").response()
    if body is None:
        return Answer(413, f"a request holds at most {MAX_BODY} bytes\n").response()
    try:
        answer = await run_in_threadpool(witness.add_checkpoint, bytes(body))
    except StoreError as e:
        log.error("witness: %s", e.message)
        answer = Answer(503, "the witness cannot reach its store; try again\n")
    return answer.response()


async def _body(request: Request) -> bytes | None:
    """The request's body, or None past :data:`MAX_BODY` bytes."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return None
    return bytes(body)


async def monitored(request: Request) -> Response:
    witness: Witness = request.app.state.witness
    answer = await run_in_threadpool(witness.checkpoint, request.path_params["origin_hash"])
    return answer.response()


routes = [
    Route("/add-checkpoint", add_checkpoint, methods=["POST"]),
    Route("/{origin_hash:str}/checkpoint", monitored, methods=["GET"]),
]


def create_witness_app(witness: Witness, *, read_seconds: float = READ_SECONDS) -> Starlette:
    app = Starlette(routes=routes)
    app.state.witness = witness
    app.state.read_seconds = read_seconds
    return app
