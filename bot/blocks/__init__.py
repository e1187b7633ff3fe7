"""Block Kit builders: plain values in, a `Reply` (blocks plus a text fallback) out; no I/O, no clock."""
