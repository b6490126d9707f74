"""What a step kind contributes to the public data by itself, one module per kind as in
`protocol/steps/` (protocol.md section 7.3-7.4): DEPOSIT and FORCED_WITHDRAWAL their priority-queue
records, WITHDRAW its withdrawal record.  Every other kind contributes only through the leaves and
the global state it changes (the state diff, 7.5-7.6)."""
