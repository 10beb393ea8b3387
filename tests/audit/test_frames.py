"""The audit service's wire: length-prefixed frames, read into a kept buffer."""

from __future__ import annotations

import socket

import pytest

from statelink.audit.frames import MAX_FRAME, FrameReader, frame


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
