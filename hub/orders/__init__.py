"""Orders: the transition table, the transition log, the outbox of messages to deliver."""
