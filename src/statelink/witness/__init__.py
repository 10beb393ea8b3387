"""Witnesses of audit logs (C2SP ``tlog-witness`` and ``tlog-cosignature``).

- the witness side: :mod:`.keys` (its Ed25519 cosigning key), :mod:`.store` (the logs it
  witnesses and the latest checkpoint of each), :mod:`.service` (``POST /add-checkpoint``);
- the request format both sides speak: :mod:`.submission`; the HTTP client: :mod:`.client`;
- the node side: :mod:`.registry` (a state's witnesses and the cosignatures they gave),
  :mod:`.pusher` (sending each new checkpoint to them).
"""
