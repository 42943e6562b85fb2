"""The server's side of the device outbox: a write sent again (a retried offline send,
a double tap) is saved once, by the idempotency key the device gave it."""
