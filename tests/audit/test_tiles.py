"""The log's side of C2SP tlog-tiles: path encoding, which tiles exist, their bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from statelink.audit import AuditLog
from statelink.audit.merkle import CompactRange, leaf_hash
from statelink.audit.tiles import (
    HASH_SIZE,
    TiledLog,
    TileId,
    encode_index,
    parse_tile_path,
    tiles_for,
)
from statelink.errors import NotFound, StoreError
from tests.audit.synthetic import grow, grow_vectors, synthetic_leaf
from tests.audit.vectors import LEAVES

# (path after the prefix, the tile it names)
PATHS = [
    ("tile/0/000", TileId(0, 0)),
    ("tile/0/001", TileId(0, 1)),
    ("tile/0/x001/234", TileId(0, 1234)),
    ("tile/0/x001/x234/067", TileId(0, 1234067)),  # the spec's example
    ("tile/1/x999/999", TileId(1, 999999)),
    ("tile/63/x001/000", TileId(63, 1000)),
    ("tile/0/x001/234.p/17", TileId(0, 1234, 17)),
    ("tile/2/000.p/1", TileId(2, 0, 1)),
    ("tile/0/000.p/255", TileId(0, 0, 255)),
    ("tile/entries/000", TileId(0, 0, entries=True)),
    ("tile/entries/x001/x234/067.p/112", TileId(0, 1234067, 112, entries=True)),
]

NOT_TILES = [
    "tile/0/1234",  # not 3-digit elements
    "tile/0/01",
    "tile/0/x001",  # the last element has no x
    "tile/0/001/234",  # all but the last have one
    "tile/0/x000/001",  # 1 is 001
    "tile/00/000",  # no leading zero in a level
    "tile/01/000",
    "tile/64/000",  # levels 0 to 63
    "tile/-1/000",
    "tile/a/000",
    "tile/0/000.p/0",  # widths 1 to 255
    "tile/0/000.p/256",
    "tile/0/000.p/017",
    "tile/0/000.p/",
    "tile/0/000.q/5",
    "tile/0/000/",
    "tile/0/",
    "tile/entries",
    "tile/entry/000",
    "tile/0/x001/234.p/17/1",
    "tile/0/" + "x999/" * 60 + "999",  # too long to look at
    "tile/tile/0/000",  # no alias: one tile/ only
    "tile/tile/entries/000",
    "0/000",  # the path under the log's prefix, tile/ included
    "entries/000",
    "/tile/0/000",
    "tiles/0/000",
]


@pytest.mark.parametrize(("path", "tile"), PATHS)
def test_tile_paths_are_encoded_and_parsed_as_the_spec_writes_them(path: str, tile: TileId) -> None:
    assert tile.path() == path
    assert parse_tile_path(path) == tile


@pytest.mark.parametrize("path", NOT_TILES)
def test_anything_else_is_not_a_tile(path: str) -> None:
    with pytest.raises(NotFound):
        parse_tile_path(path)


def test_index_encoding() -> None:
    assert [encode_index(n) for n in (0, 7, 999, 1000, 1234067)] == [
        "000",
        "007",
        "999",
        "x001/000",
        "x001/x234/067",
    ]
    with pytest.raises(ValueError, match="not negative"):
        encode_index(-1)


def _kinds(size: int) -> list[tuple[str, int, int]]:
    """(level or "entries", tiles, width of the partial one or 0), level by level."""
    found: dict[str, tuple[int, int]] = {}
    for tile in tiles_for(size):
        key = "entries" if tile.entries else str(tile.level)
        count, partial = found.get(key, (0, 0))
        found[key] = (count + 1, tile.width if tile.partial else partial)
    return [(k, *v) for k, v in found.items()]


def test_which_tiles_a_checkpoint_needs_as_the_spec_counts_them() -> None:
    # "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial
    # level 0 tile of width 112, one full level 1 tile, one partial level 1 tile of width
    # 17, and one partial level 2 tile of width 1"
    assert _kinds(70_000) == [("entries", 274, 112), ("0", 274, 112), ("1", 2, 17), ("2", 1, 1)]
    # "a tree of size 256 will be represented by a full level 0 tile and a partial level
    # 1 tile of width 1"
    assert _kinds(256) == [("entries", 1, 0), ("0", 1, 0), ("1", 1, 1)]
    assert _kinds(0) == []
    assert _kinds(8) == [("entries", 1, 8), ("0", 1, 8)]
    assert TileId(1, 0, 17).end == 17 * 256
    assert TileId(2, 0, 1).end == 65_536


def test_a_tile_holds_the_leaf_hashes_and_a_bundle_the_length_prefixed_leaves(
    tmp_path: Path,
) -> None:
    stand_ins = grow_vectors(tmp_path / "audit.sqlite", tmp_path / "keys", [3, 8])
    log = AuditLog.open("WA", tmp_path / "audit.sqlite")
    try:
        vector_log = TiledLog(log)
        tile = vector_log.read(TileId(0, 0, 8))
        assert [tile[i : i + HASH_SIZE] for i in range(0, len(tile), HASH_SIZE)] == [
            leaf_hash(leaf) for leaf in LEAVES
        ]
        bundle = vector_log.read(TileId(0, 0, 8, entries=True))
        assert bundle == b"".join(len(r).to_bytes(2, "big") + r for r in stand_ins)
        assert vector_log.read(TileId(0, 0, 3)) == tile[: 3 * HASH_SIZE]  # an older checkpoint's
    finally:
        log.close()


def test_nothing_beyond_the_latest_checkpoint_is_served(tmp_path: Path) -> None:
    grow(tmp_path / "audit.sqlite", tmp_path / "keys", [300])
    log = AuditLog.open("WA", tmp_path / "audit.sqlite")
    try:
        nodes: list[tuple[int, int, bytes]] = []  # beyond the checkpoint: not yet signed
        compact = CompactRange.at(300, log.perfect)
        rows = [(seq, synthetic_leaf(seq)) for seq in range(300, 512)]
        for _, leaf in rows:
            nodes.extend(compact.append(leaf_hash(leaf)))
        log.write(rows, nodes, None)
        tiled = TiledLog(log)
        assert tiled.checkpoint_text() == tiled.checkpoint().note
        assert "\n300\n" in tiled.checkpoint_text()
        assert len(tiled.read(TileId(0, 0))) == 256 * HASH_SIZE
        assert len(tiled.read(TileId(0, 1, 44))) == 44 * HASH_SIZE
        assert len(tiled.read(TileId(1, 0, 1))) == HASH_SIZE
        for beyond in (TileId(0, 1), TileId(0, 1, 45), TileId(1, 0, 2), TileId(2, 0, 1)):
            with pytest.raises(NotFound, match="beyond"):
                tiled.read(beyond)
        with pytest.raises(NotFound, match="beyond"):
            tiled.read(TileId(0, 1, entries=True))
    finally:
        log.close()


def test_a_log_without_a_checkpoint_serves_nothing(tmp_path: Path) -> None:
    log = AuditLog.open("WA", tmp_path / "audit.sqlite")
    try:
        with pytest.raises(NotFound, match="no signed checkpoint"):
            TiledLog(log).checkpoint_text()
        with pytest.raises(NotFound):
            TiledLog(log).read(TileId(0, 0, 1))
    finally:
        log.close()


def test_an_entry_too_long_for_a_bundle_is_refused(tmp_path: Path) -> None:
    leaves = [b'"a"', b'"' + b"x" * 65_534 + b'"', b'"c"']  # JSON, as every record is
    grow(tmp_path / "audit.sqlite", tmp_path / "keys", [3], leaves=leaves)
    log = AuditLog.open("WA", tmp_path / "audit.sqlite")
    try:
        with pytest.raises(StoreError, match="record 1 is 65,536 bytes"):
            TiledLog(log).read(TileId(0, 0, 3, entries=True))
        assert len(TiledLog(log).read(TileId(0, 0, 3))) == 3 * HASH_SIZE  # hashes still are
    finally:
        log.close()
