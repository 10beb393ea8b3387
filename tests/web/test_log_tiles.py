"""Each state's audit log as C2SP tlog-tiles on the embedded app (a real server on
loopback), read with plain HTTP and mirrored with ``statelink audit mirror``."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from statelink.audit import verifier
from statelink.nation import Layout
from statelink.web.log_tiles import GzipCache, takes_gzip
from tests.audit.synthetic import grow, tamper
from tests.conftest import Run, copy_nation


@pytest.fixture(scope="module")
def served(layout: Layout, tmp_path_factory: pytest.TempPathFactory) -> Layout:
    """The server's nation (replaces the conftest's), with logs of 300 records for WA
    and OR; no other state has a log yet."""
    own = copy_nation(layout, tmp_path_factory.mktemp("served"))
    for state in ("WA", "OR"):
        grow(own.audit(state), own.keys(state), [100, 300], state=state)
    return own


def _key(run: Callable[..., Run], served: Layout, state: str) -> str:
    found = run("audit", "key", "--state", state, "--data", str(served.root))
    assert found.code == 0, found.err
    return found.out.strip()


def test_the_checkpoint_is_the_signed_note(
    base_url: str, served: Layout, run: Callable[..., Run]
) -> None:
    reply = httpx.get(f"{base_url}/logs/WA/checkpoint")
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "text/plain; charset=utf-8"
    assert reply.headers["cache-control"] == "no-cache"
    key = verifier.VerifierKey.parse(_key(run, served, "WA"))
    checkpoint = verifier.open_checkpoint(reply.text, key)
    assert (checkpoint.origin, checkpoint.size) == ("statelink.example/audit/WA", 300)


def test_tiles_and_bundles_are_served_immutable(base_url: str) -> None:
    full = httpx.get(f"{base_url}/logs/WA/tile/0/000")
    assert full.status_code == 200
    assert full.headers["content-type"] == "application/octet-stream"
    assert "immutable" in full.headers["cache-control"]
    assert len(full.content) == 256 * 32
    assert len(httpx.get(f"{base_url}/logs/WA/tile/0/001.p/44").content) == 44 * 32
    assert len(httpx.get(f"{base_url}/logs/WA/tile/1/000.p/1").content) == 32
    bundle = httpx.get(f"{base_url}/logs/WA/tile/entries/001.p/44")
    assert bundle.status_code == 200
    assert bundle.headers["content-encoding"] == "gzip"  # httpx asks for it, and unpacks it
    assert int.from_bytes(bundle.content[:2], "big") == bundle.content.index(b"}") - 1
    older = httpx.get(f"{base_url}/logs/WA/tile/0/000.p/100")  # the checkpoint at 100
    assert older.content == full.content[: 100 * 32]


@pytest.mark.parametrize(
    "path",
    [
        "/logs/ZZ/checkpoint",  # no such state
        "/logs/ID/checkpoint",  # a state with no log yet
        "/logs/wa/checkpoint",
        "/logs/ID/tile/0/000",
        "/logs/WA/tile/0/1234",  # not the spec's encoding
        "/logs/WA/tile/0/x000/000",
        "/logs/WA/tile/64/000",
        "/logs/WA/tile/0/000.p/0",
        "/logs/WA/tile/0/001",  # beyond the checkpoint
        "/logs/WA/tile/0/001.p/45",
        "/logs/WA/tile/1/000",
        "/logs/WA/tile/entries/001",
        "/logs/WA/tile/2/000.p/1",
        "/logs/WA/tile/",
        "/logs/WA/tile/tile/0/000",  # no alias of tile/0/000
        "/logs/WA/tile/tile/entries/000",
    ],
)
def test_anything_else_is_a_404_problem(base_url: str, path: str) -> None:
    reply = httpx.get(base_url + path)
    assert reply.status_code == 404
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["code"] == "not-found"


@pytest.mark.parametrize(
    ("accept", "gzipped"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.5", True),
        ("GZIP;Q=0.001", True),
        ("*", True),
        ("x-gzip", True),
        ("gzip;q=0", False),  # the client says no
        ("gzip;q=0.000, *", False),
        ("*;q=0", False),
        ("*, gzip;q=0", False),
        ("deflate, br", False),
        ("identity", False),
        ("", False),
        ("gzip;q=2", False),  # not a weight: not taken as a yes
        ("gzip;q=oops", False),
    ],
)
def test_gzip_is_served_only_where_the_client_takes_it(
    base_url: str, accept: str, gzipped: bool
) -> None:
    assert takes_gzip(accept) is gzipped
    with httpx.Client(headers={"accept-encoding": accept}) as client:
        reply = client.get(f"{base_url}/logs/WA/tile/entries/000")
    assert reply.status_code == 200
    assert reply.headers["vary"] == "Accept-Encoding"
    assert ("content-encoding" in reply.headers) is gzipped
    assert reply.content.startswith(b"\x00")  # a record's length; httpx undid any gzip


def test_a_full_bundle_is_gzipped_once_and_kept(base_url: str) -> None:
    with httpx.Client(headers={"accept-encoding": "identity"}) as client:
        plain = client.get(f"{base_url}/logs/WA/tile/entries/000").content
    raw = []
    for _ in range(2):
        with httpx.stream(
            "GET", f"{base_url}/logs/WA/tile/entries/000", headers={"accept-encoding": "gzip"}
        ) as reply:
            assert reply.headers["content-encoding"] == "gzip"
            raw.append(b"".join(reply.iter_raw()))
    assert raw[0] == raw[1]
    assert gzip.decompress(raw[0]) == plain


def test_the_gzip_cache_keeps_the_most_recently_used_within_its_bytes() -> None:
    cache = GzipCache(max_bytes=100)
    cache.put("WA", 0, b"a" * 40)
    cache.put("WA", 1, b"b" * 40)
    assert cache.get("WA", 0) == b"a" * 40  # 0 is now the most recently used
    cache.put("OR", 0, b"c" * 40)  # 120 bytes: the least recently used (WA 1) goes
    assert (cache.get("WA", 0), cache.get("WA", 1), cache.get("OR", 0)) == (
        b"a" * 40,
        None,
        b"c" * 40,
    )
    cache.put("WA", 2, b"d" * 101)  # larger than the whole cache: not kept
    assert cache.get("WA", 2) is None
    assert len(cache) == 2


def test_statelink_audit_mirror_copies_and_verifies_a_log(
    base_url: str, served: Layout, run: Callable[..., Run], tmp_path: Path
) -> None:
    key = _key(run, served, "WA")
    out = tmp_path / "wa"
    args = ("audit", "mirror", f"{base_url}/logs/WA", "--key", key, "--out", str(out))
    done = run(*args, "--json")
    assert done.code == 0, done.err
    report = json.loads(done.out)
    assert (report["verified"], report["size"], report["fetched"]) == (True, 300, 5)
    assert (out / "tile" / "0" / "001.p" / "44").is_file()
    again = run(*args)
    assert again.code == 0, again.err
    assert "verified" in again.out
    assert "consistent with the checkpoint mirrored before (300)" in again.out


def test_statelink_audit_mirror_names_a_changed_record(
    base_url: str, served: Layout, run: Callable[..., Run], tmp_path: Path
) -> None:
    key = _key(run, served, "OR")
    tamper(served.audit("OR"), 123)
    args = ("audit", "mirror", f"{base_url}/logs/OR", "--key", key, "--out", str(tmp_path / "or"))
    failed = run(*args)
    assert failed.code == 1
    assert failed.err.startswith("error: ")
    assert "first bad index: 123" in failed.err
    assert "Traceback" not in failed.err
    as_json = run(*args, "--json")
    assert as_json.code == 1
    assert json.loads(as_json.out)["first_bad_index"] == 123


def test_statelink_audit_mirror_refuses_bad_usage(
    base_url: str, served: Layout, run: Callable[..., Run], tmp_path: Path
) -> None:
    key = _key(run, served, "WA")
    out = str(tmp_path / "m")
    for args in (
        ("http://127.0.0.1:9/logs/WA", "--key", key),  # nothing listens there
        (f"{base_url}/logs/ZZ", "--key", key),
        (f"{base_url}/logs/WA", "--key", "not-a-key"),
        ("ftp://example/logs/WA", "--key", key),
    ):
        refused = run("audit", "mirror", *args, "--out", out)
        assert refused.code == 2, refused
        assert refused.err.startswith("error: ")
        assert len(refused.err.strip().splitlines()) == 1
