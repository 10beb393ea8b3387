"""A resident's access report finds every access to their record by keyed hash."""

from __future__ import annotations

import asyncio
from pathlib import Path

from statelink.embedded import EmbeddedNetwork
from statelink.messages import decode
from statelink.nation import Layout, open_audit
from statelink.reports.resident import accesses
from statelink.reports.sources import refreshed
from tests.conftest import copy_nation, records_of


def test_every_access_and_only_those(layout: Layout, tmp_path: Path) -> None:
    own = copy_nation(layout, tmp_path / "nation")

    async def send() -> tuple[str, str]:
        async with EmbeddedNetwork.open(own) as network:
            wa = network.nodes["WA"]
            drivers = records_of(wa).list_drivers(2)
            me, other = drivers[0].oln, drivers[1].oln
            for text in (
                f"DQ.NY0303000.WA.OLN/{me}.PUR/C.",
                f"KQ.ILCPD0000.WA.OLN/{me}.PUR/T.",
                f"DQ.NY0303000.WA.OLN/{other}.PUR/C.",
                f"DQ.WAICE0100.WA.OLN/{me}.PUR/I.",  # denied: nothing released, no access
            ):
                await network.hub.submit(decode(text))
            return me, other

    me, other = asyncio.run(send())
    _log, keys = open_audit(own, "WA")
    _log.close()
    table = refreshed(own, "WA")
    mine = accesses(table, keys, me.lower(), agencies={"NY0303000": "NYPD"})
    assert [(r["ori"], r["mke"], r["purpose"], r["status"]) for r in mine] == [
        ("NY0303000", "DQ", "C", "HIT"),
        ("ILCPD0000", "KQ", "T", "HIT"),
    ]
    assert mine[0]["agency"] == "NYPD"
    assert [r["ori"] for r in accesses(table, keys, other)] == ["NY0303000"]
    assert accesses(table, keys, "NOSUCHLICENCE") == []
    parquet = b"".join(p.read_bytes() for _, _, p in table.parts())
    assert me.encode() not in parquet  # the copy holds hashes, never the number
