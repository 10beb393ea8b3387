"""The independent mirror: proofs from tiles against the RFC vectors, and whole logs
served by a real HTTP server on loopback, mirrored and verified end to end."""

from __future__ import annotations

import ast
import base64
import tracemalloc
import zlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import statelink.audit.mirror as mirror_module
import statelink.audit.remote_log as remote_module
import statelink.audit.tile_tree as tree_module
from statelink.audit import AuditLog, NodeKeys, verifier
from statelink.audit.mirror import MirrorFolder, mirror
from statelink.audit.tile_tree import Tile, TileTree, leaf_hash
from statelink.audit.tiles import TiledLog, TileId
from statelink.errors import UsageError
from statelink.store import Where
from statelink.web import log_tiles, problems
from tests.audit.synthetic import grow, grow_vectors, synthetic_leaf, tamper
from tests.audit.vectors import CONSISTENCY, INCLUSION, LEAVES, ROOTS
from tests.web.conftest import serving


@pytest.fixture(scope="module")
def vector_tree(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TileTree]:
    """The tiles the log serves for the 8-leaf vector tree, read by the mirror's tree."""
    folder = tmp_path_factory.mktemp("vectors")
    grow_vectors(folder / "audit.sqlite", folder / "keys", [8])
    log = AuditLog.open("WA", folder / "audit.sqlite")
    served = TiledLog(log)

    def read(tile: Tile) -> bytes:
        return served.read(TileId(tile.level, tile.index, tile.width, tile.entries))

    yield TileTree(8, read)
    log.close()


def test_tree_heads_from_tiles_are_the_vector_roots(vector_tree: TileTree) -> None:
    assert [vector_tree.root(n) for n in range(1, 9)] == ROOTS
    assert vector_tree.root(0).hex().startswith("e3b0c442")  # SHA-256 of nothing


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_proofs_from_tiles_are_the_vector_proofs(
    vector_tree: TileTree, index: int, size: int, path: list[str]
) -> None:
    proof = vector_tree.inclusion(index, size)
    assert [p.hex() for p in proof] == path
    verifier.verify_inclusion(leaf_hash(LEAVES[index]), index, size, proof, ROOTS[size - 1])


@pytest.mark.parametrize(("first", "second", "path"), CONSISTENCY)
def test_consistency_proofs_from_tiles_are_the_vector_proofs(
    vector_tree: TileTree, first: int, second: int, path: list[str]
) -> None:
    proof = vector_tree.consistency(first, second)
    assert [p.hex() for p in proof] == path
    verifier.verify_consistency(first, second, ROOTS[first - 1], ROOTS[second - 1], proof)


def test_every_proof_of_every_vector_tree_verifies(vector_tree: TileTree) -> None:
    for size in range(1, 9):
        for index in range(size):
            proof = vector_tree.inclusion(index, size)
            verifier.verify_inclusion(leaf_hash(LEAVES[index]), index, size, proof, ROOTS[size - 1])
        for first in range(1, size + 1):
            proof = vector_tree.consistency(first, size)
            verifier.verify_consistency(first, size, ROOTS[first - 1], ROOTS[size - 1], proof)


# --- end to end, over HTTP --------------------------------------------------------------


class Served:
    """A real HTTP server on loopback serving the logs registered in ``logs``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.logs: dict[str, Where] = {}
        self.url = ""

    def log(self, state: str, sizes: list[int]) -> tuple[Path, verifier.VerifierKey]:
        """A new log of synthetic records for ``state``, signed at each of ``sizes``."""
        folder = self.root / state
        keys = grow(folder / "audit.sqlite", folder / "keys", sizes, state=state)
        self.logs[state] = folder / "audit.sqlite"
        return folder, verifier.VerifierKey.parse(keys.signer.verifier_key())

    def prefix(self, state: str) -> str:
        return f"{self.url}/logs/{state}"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    found = Served(tmp_path_factory.mktemp("served"))
    app = Starlette()
    problems.install(app)
    log_tiles.install(app, found.logs.get, entries=log_tiles.EntryAccess.PUBLIC)
    with serving(app, lifespan="off") as url:
        found.url = url
        yield found
    log_tiles.close(app)


class Hostile:
    """A real server in front of ``served``: it passes every request on, except the
    bodies put in ``bodies`` (by ``STATE/path``), which it answers with instead."""

    def __init__(self, upstream: Served) -> None:
        self.upstream = upstream
        self.bodies: dict[str, tuple[bytes, dict[str, str]]] = {}
        self.url = ""

    def answer(self, request: Request) -> Response:
        wanted = f"{request.path_params['state']}/{request.path_params['path']}"
        if wanted in self.bodies:
            body, headers = self.bodies[wanted]
            return Response(body, headers=headers)
        passed = httpx.get(f"{self.upstream.url}/logs/{wanted}", headers={"accept-encoding": ""})
        return Response(passed.content, status_code=passed.status_code)

    def prefix(self, state: str) -> str:
        return f"{self.url}/logs/{state}"


@pytest.fixture(scope="module")
def hostile(served: Served) -> Iterator[Hostile]:
    found = Hostile(served)
    app = Starlette(routes=[Route("/logs/{state}/{path:path}", found.answer)])
    with serving(app, lifespan="off") as url:
        found.url = url
        yield found


def _gzip_bomb(size: int) -> bytes:
    """``size`` zero bytes, gzipped (about a thousandth of that), built a MiB at a time."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = bytes(1 << 20)
    return b"".join(packer.compress(chunk) for _ in range(size >> 20)) + packer.flush()


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def test_a_log_of_70000_records_is_mirrored_and_verified(served: Served, tmp_path: Path) -> None:
    _, key = served.log("WA", [70_000])
    out = tmp_path / "mirror"
    report = mirror(served.prefix("WA"), key, out)
    assert (report.size, report.origin, report.previous) == (
        70_000,
        "statelink.example/audit/WA",
        None,
    )
    assert report.fetched == 274 + 274 + 2 + 1  # bundles, level 0, level 1, level 2
    files = _files(out)
    assert {
        "checkpoint",
        "tile/0/273.p/112",
        "tile/1/000",
        "tile/1/001.p/17",
        "tile/2/000.p/1",
    } <= files
    assert {"tile/entries/000", "tile/entries/273.p/112", "tile/0/000"} <= files
    assert len(files) == report.fetched + 1
    assert (
        httpx.get(f"{served.prefix('WA')}/tile/1/000").content == (out / "tile/1/000").read_bytes()
    )

    kept = MirrorFolder(out, key)
    assert kept.checkpoint.root == report.root
    for seq in (0, 255, 256, 65_535, 65_536, 69_999):
        assert kept.entry(seq) == synthetic_leaf(seq)
        proof = kept.inclusion(seq)
        verifier.verify_inclusion(leaf_hash(kept.entry(seq)), seq, 70_000, proof, report.root)

    again = mirror(served.prefix("WA"), key, out)  # resumed: full tiles are kept
    assert again.root == report.root
    assert again.fetched == 4  # the partial tiles and bundle only
    assert again.reused == 273 + 273 + 1
    assert again.previous is not None
    assert again.previous.size == 70_000


def test_a_grown_log_is_checked_to_extend_the_mirrored_one(served: Served, tmp_path: Path) -> None:
    folder, key = served.log("OR", [300])
    out = tmp_path / "mirror"
    assert mirror(served.prefix("OR"), key, out).size == 300
    grow(folder / "audit.sqlite", folder / "keys", [700, 1000], state="OR")
    grown = mirror(served.prefix("OR"), key, out)
    assert grown.size == 1000
    assert grown.previous is not None
    assert grown.previous.size == 300
    assert "tile/0/001.p/44" in _files(out)  # the first run's partial tile stays


def test_a_changed_record_fails_the_mirror_naming_its_index(served: Served, tmp_path: Path) -> None:
    folder, key = served.log("ID", [1000])
    tamper(folder / "audit.sqlite", 517)
    with pytest.raises(verifier.VerificationError, match="record 517") as failed:
        mirror(served.prefix("ID"), key, tmp_path / "mirror")
    assert failed.value.index == 517
    assert not (tmp_path / "mirror" / "checkpoint").exists()
    assert not (tmp_path / "mirror" / "tile" / "entries" / "002").exists()


def test_a_rewritten_history_is_refused(served: Served, tmp_path: Path) -> None:
    folder, key = served.log("NV", [600])
    mirror(served.prefix("NV"), key, tmp_path / "kept")
    kept = (tmp_path / "kept" / "checkpoint").read_bytes()
    # The operator rebuilds the log from other records, signed with the same key (served
    # at another address: the server keeps the log it opened).
    other = tmp_path / "other"
    leaves = [b'{"other":%d}' % n for n in range(900)]
    grow(other / "audit.sqlite", folder / "keys", [900], leaves=leaves, state="NV")
    served.logs["NM"] = other / "audit.sqlite"
    # The kept mirror's tiles are not the new tiles' children...
    with pytest.raises(verifier.VerificationError, match="not the root of the tile below"):
        mirror(served.prefix("NM"), key, tmp_path / "kept")
    # ...and a fresh mirror of the new log, holding the old checkpoint, is inconsistent.
    fresh = tmp_path / "fresh"
    assert mirror(served.prefix("NM"), key, fresh).size == 900
    newer = (fresh / "checkpoint").read_bytes()
    (fresh / "checkpoint").write_bytes(kept)
    with pytest.raises(verifier.VerificationError, match="does not extend the checkpoint"):
        mirror(served.prefix("NM"), key, fresh)
    # A log that shrank is refused.
    (fresh / "checkpoint").write_bytes(newer)
    with pytest.raises(verifier.VerificationError, match="records were removed") as failed:
        mirror(served.prefix("NV"), key, fresh)
    assert failed.value.index == 600


def test_a_wrong_key_or_a_missing_log_is_refused(served: Served, tmp_path: Path) -> None:
    served.log("UT", [10])
    other = NodeKeys.load("UT", tmp_path / "other-keys").signer.verifier_key()
    with pytest.raises(verifier.VerificationError, match="no signature by"):
        mirror(served.prefix("UT"), verifier.VerifierKey.parse(other), tmp_path / "m1")
    _, key = served.log("AZ", [10])
    with pytest.raises(UsageError, match="no tlog-tiles checkpoint"):
        mirror(served.prefix("ZZ"), key, tmp_path / "m2")
    with pytest.raises(UsageError, match="cannot reach"):
        mirror("http://127.0.0.1:9/logs/AZ", key, tmp_path / "m3")


def test_a_checkpoint_of_another_origin_is_refused(served: Served, tmp_path: Path) -> None:
    folder, key = served.log("NH", [10])
    out = tmp_path / "mirror"
    report = mirror(served.prefix("NH"), key, out)
    # The same key signs a checkpoint of another log: the folder mirrors NH's only.
    signer = NodeKeys.load("NH", folder / "keys").signer
    root = base64.b64encode(report.root).decode()
    (out / "checkpoint").write_text(signer.sign(f"statelink.example/audit/XX\n10\n{root}\n"))
    with pytest.raises(verifier.VerificationError, match="a folder holds one log"):
        mirror(served.prefix("NH"), key, out)


def test_an_oversized_checkpoint_or_tile_is_refused(
    served: Served, hostile: Hostile, tmp_path: Path
) -> None:
    _, key = served.log("NJ", [300])
    assert mirror(hostile.prefix("NJ"), key, tmp_path / "fine").size == 300  # passed on
    hostile.bodies["NJ/checkpoint"] = (b"x" * (64 * 1024 + 1), {})
    with pytest.raises(UsageError, match="checkpoint is more than 64 KiB"):
        mirror(hostile.prefix("NJ"), key, tmp_path / "m1")
    del hostile.bodies["NJ/checkpoint"]
    hostile.bodies["NJ/tile/0/000"] = (bytes(256 * 32 + 1), {})
    with pytest.raises(verifier.VerificationError, match="more than 8,192 bytes") as failed:
        mirror(hostile.prefix("NJ"), key, tmp_path / "m2")
    assert failed.value.index == 0
    del hostile.bodies["NJ/tile/0/000"]
    hostile.bodies["NJ/tile/entries/001.p/44"] = (b"\x00\x01", {"content-encoding": "br"})
    with pytest.raises(UsageError, match="'br'-encoded"):
        mirror(hostile.prefix("NJ"), key, tmp_path / "m3")


def test_a_gzip_bomb_is_inflated_no_further_than_the_cap(
    served: Served, hostile: Hostile, tmp_path: Path
) -> None:
    _, key = served.log("NY", [300])
    bomb = _gzip_bomb(256 << 20)  # 256 MiB of zeros in about 256 KiB
    hostile.bodies["NY/tile/entries/001.p/44"] = (bomb, {"content-encoding": "gzip"})
    tracemalloc.start()
    try:
        with pytest.raises(verifier.VerificationError, match="more than 2,883,628 bytes") as e:
            mirror(hostile.prefix("NY"), key, tmp_path / "mirror")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert e.value.index == 256
    assert peak < 32 << 20  # a few times the cap (44 entries of 2 + 65,535 bytes), not 256 MiB
    cut = _gzip_bomb(1 << 20)[:-8]  # no trailer: the gzip stream never ends
    hostile.bodies["NY/tile/entries/001.p/44"] = (cut, {"content-encoding": "gzip"})
    with pytest.raises(UsageError, match="is cut short"):
        mirror(hostile.prefix("NY"), key, tmp_path / "other")


def test_the_mirror_shares_no_code_with_the_log() -> None:
    allowed = {
        "statelink.audit.remote_log",
        "statelink.audit.tile_tree",
        "statelink.audit.verifier",
        "statelink.errors",
    }
    for module in (mirror_module, remote_module, tree_module):
        assert module.__file__ is not None
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        imported = {
            node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        } | {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        assert {m for m in imported if m.startswith("statelink")} <= allowed, module.__name__
