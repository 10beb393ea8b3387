"""The audit service's wire: typed messages in length-prefixed frames, read into a kept buffer."""

from __future__ import annotations

import socket

import pytest

from statelink.audit.frames import (
    MAX_FRAME,
    Append,
    Appended,
    Close,
    FrameReader,
    OpenLog,
    Request,
    decode_replies,
    decode_requests,
    encode_replies,
    encode_requests,
    frame,
)
from tests.audit.conftest import entry


def test_frames_split_anywhere_come_out_whole_and_in_order() -> None:
    payloads = [b"", b"a", b"x" * 70_000, b'[1,"WA"]']
    wire = b"".join(frame(p) for p in payloads)
    reader = FrameReader()
    got: list[bytes] = []
    for start in range(0, len(wire), 997):  # cuts through lengths and payloads
        got.extend(reader.feed(wire[start : start + 997]))
    assert got == payloads


def test_receive_reads_what_the_socket_has_and_zero_when_the_peer_closes() -> None:
    ours, theirs = socket.socketpair()
    try:
        reader = FrameReader()
        theirs.sendall(frame(b"first") + frame(b"second")[:5])
        assert reader.receive(ours) == 4 + 5 + 5
        assert list(reader.frames()) == [b"first"]
        theirs.sendall(frame(b"second")[5:])
        reader.receive(ours)
        assert list(reader.frames()) == [b"second"]
        theirs.close()
        assert reader.receive(ours) == 0
    finally:
        ours.close()


def test_a_frame_over_the_limit_is_refused_both_ways() -> None:
    with pytest.raises(ValueError, match="too large"):
        frame(b"x" * (MAX_FRAME + 1))
    reader = FrameReader()
    with pytest.raises(ValueError, match="too large"):
        list(reader.feed((MAX_FRAME + 1).to_bytes(4, "big")))


def test_every_request_comes_back_as_it_was_sent() -> None:
    requests: list[Request] = [
        OpenLog("WA", "/data/WA/audit.sqlite", "/data/WA/keys"),
        Append(7, "WA", entry(0)),
        Append(8, "OR", entry(1, oln="WDLSECRET0001")),
        OpenLog("OR", "postgresql://db/or", "/data/OR/keys"),
        Close(),
    ]
    wire = encode_requests(requests)
    (payload,) = FrameReader().feed(wire)
    assert decode_requests(payload) == requests


def test_every_reply_comes_back_as_it_was_sent() -> None:
    replies = [Appended(7, 0, "ab" * 32), Appended(8, error="OperationalError: disk full")]
    (payload,) = FrameReader().feed(encode_replies(replies))
    assert decode_replies(payload) == replies


@pytest.mark.parametrize("payload", [b"[[", b'[["reopen", "WA"]]', b'[["open", "WA"]]', b"[[1]]"])
def test_a_payload_that_is_no_request_is_refused(payload: bytes) -> None:
    with pytest.raises(ValueError, match="request"):
        decode_requests(payload)


@pytest.mark.parametrize("payload", [b"{", b"[[1, 2, 3, 4, 5]]", b"[7]"])
def test_a_payload_that_is_no_reply_is_refused(payload: bytes) -> None:
    with pytest.raises(ValueError, match="reply"):
        decode_replies(payload)
