"""C2SP tlog-cosignature (cosignature/v1, Ed25519): the witness signs, the independent
verifier checks. No published vector gives a key, a message and a signature together, so
the layout is checked against the spec's example line and a transparency-dev test line
(key ID, big-endian timestamp, 64-byte signature), the key ID against a real witness's
vkey, and signing against verifying with raw Ed25519."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from statelink.audit import verifier
from statelink.witness.keys import WitnessKey

TEXT = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"

# tlog-cosignature.md's example: "time 1679315147" in its signed message
SPEC_LINE = (
    "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZ"
    "qhf5nNo0xUe+mbIUBkBIfZ+qnA=="
)
# transparency-dev/formats note_cosigv1_test.go: timestamp 1727964367
FORMATS_LINE = (
    "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOwor"
    "DcFiEBYJXORmnFBOBA=="
)
# a real witness's vkey (transparency-dev/formats), signature type 0x04
REMORA = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"


@pytest.mark.parametrize(
    ("encoded", "timestamp"), [(SPEC_LINE, 1679315147), (FORMATS_LINE, 1727964367)]
)
def test_published_lines_are_key_id_timestamp_and_signature(encoded: str, timestamp: int) -> None:
    blob = base64.b64decode(encoded)
    assert len(blob) == 4 + 8 + 64
    assert int.from_bytes(blob[4:12], "big") == timestamp


def test_a_real_witness_key_parses_with_its_key_id() -> None:
    key = verifier.CosignerKey.parse(REMORA)
    assert (key.name, key.key_id.hex()) == ("remora.n621.de", "da77ade7")
    with pytest.raises(verifier.VerificationError, match="hash does not match"):
        verifier.CosignerKey.parse(REMORA.replace("da77ade7", "da77ade8"))
    ed25519_note_key = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
    with pytest.raises(verifier.VerificationError, match="0x04"):
        verifier.CosignerKey.parse(ed25519_note_key)


def test_the_line_is_laid_out_as_the_spec_says(tmp_path: Path) -> None:
    witness = WitnessKey.create(tmp_path, "witness.example/w1")
    line = witness.cosign(TEXT, timestamp=1679315147)
    assert line.startswith("\u2014 witness.example/w1 ")
    assert line.endswith("\n")
    blob = base64.b64decode(line.split(" ")[2])
    vkey = verifier.CosignerKey.parse(witness.verifier_key())
    raw = base64.b64decode(witness.verifier_key().split("+", 2)[2])
    assert raw[0] == 0x04
    assert blob[:4] == hashlib.sha256(b"witness.example/w1\n\x04" + raw[1:]).digest()[:4]
    assert blob[4:12] == (1679315147).to_bytes(8, "big")
    message = b"cosignature/v1\ntime 1679315147\n" + TEXT.encode()
    vkey.public.verify(blob[12:], message)  # raw Ed25519 over the exact bytes
    assert (tmp_path / "witness-ed25519.pem").stat().st_mode & 0o777 == 0o600


def test_sign_then_verify_and_what_fails(tmp_path: Path) -> None:
    witness = WitnessKey.create(tmp_path / "w1", "witness.example/w1")
    other = WitnessKey.create(tmp_path / "w2", "witness.example/w2")
    key = verifier.CosignerKey.parse(witness.verifier_key())
    line = witness.cosign(TEXT, timestamp=1700000000)
    found = verifier.verify_cosignature(TEXT, line, key)
    assert found is not None
    assert (found.timestamp, found.size) == (1700000000, 20852163)
    assert verifier.verify_cosignature(TEXT, other.cosign(TEXT), key) is None  # another key
    with pytest.raises(verifier.VerificationError, match="does not verify"):
        verifier.verify_cosignature(TEXT.replace("20852163", "20852164"), line, key)
    note = f"{TEXT}\n\u2014 log.example abc=\n{line}"
    assert [c.timestamp for c in verifier.cosignatures(note, key)] == [1700000000]


def test_a_zero_timestamp_is_refused(tmp_path: Path) -> None:
    witness = WitnessKey.create(tmp_path, "witness.example/w1")
    with pytest.raises(ValueError, match="positive"):
        witness.cosign(TEXT, timestamp=0)
