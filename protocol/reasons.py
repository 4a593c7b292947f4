"""What each refusal reason means to a sender, and what it should do: rendered into docs/mqtt.md
("Errors a sender can get") from this table, so a reason added to protocol/errors.py without a meaning
fails tests/contract/test_spec.py."""

from __future__ import annotations

from protocol.errors import Reason

# reason -> (what happened, what the sender should do)
MEANING: dict[Reason, tuple[str, str]] = {
    Reason.OVERSIZED: ("The payload is over 1 MiB (the broker's `message_size_limit` refuses it even earlier), or an "
                       "upload is over its size limit.", "Send smaller chunks; split the file."),
    Reason.MALFORMED: ("Not a well-formed envelope: not JSON, a missing or unknown envelope field, a "
                       "wrong JSON type, an id that is not an upper-case ULID, a negative `seq`, a `ts` that is not "
                       "milliseconds (below 1e12), or a value with no canonical encoding (an integer beyond "
                       "+-(2**53 - 1)).", "Fix the sender; resending the same bytes fails again."),
    Reason.VERSION: ("`v` is not 1.", "Speak version 1 on `lw/v1`."),
    Reason.UNKNOWN_SENDER: ("No key is registered for `sender` at the hub.",
                            "Use the principal id you were provisioned with; ask the hub operator to provision you."),
    Reason.REVOKED: ("The sender's key was revoked (`lockwarden revoke-kit` / `revoke-principal`); refused even for "
                     "messages signed before the revocation.",
                     "Nothing to resend: only provisioning the id anew (a new key) lets it back in."),
    Reason.BAD_SIGNATURE: ("The signature does not verify over the signed bytes with the sender's registered key "
                           "(a changed value, the wrong key, the wrong signed bytes: see Signed bytes).",
                           "Check your canonical encoding against docs/vectors/; a retry with a new id is fine."),
    Reason.WRONG_SENDER_FOR_TOPIC: ("The topic belongs to another principal (its `{kit_id}`, `{customer_id}` or "
                                    "`{operator_id}` is not the signed sender) or to another role.",
                                    "Publish only under your own id."),
    Reason.WRONG_TYPE_FOR_TOPIC: ("This message type may not be sent by your role, or not on this topic.",
                                  "See the topic's message types below."),
    Reason.UNKNOWN_TYPE: ("The type is not in this contract, or nothing at the hub handles it from your role.",
                          "Use the message types listed below."),
    Reason.RETIRED_TYPE: ("The type belonged to an earlier version of this contract; `detail` names what replaced "
                          "it.", "Send the replacing type."),
    Reason.BAD_SCHEMA: ("The body does not match the type's schema: a missing or unknown field, a wrong JSON type.",
                        "Send exactly the fields of the type (unknown fields are refused, not ignored)."),
    Reason.REPLAY: ("The message id was used before with different content, or your `seq` was used before by "
                    "another message. (The very same envelope again is not a replay: it is a duplicate, "
                    "acknowledged again and not processed twice.)", "Never reuse an id or a seq; keep your seq "
                                                                    "counter across restarts."),
    Reason.BAD_CHUNK: ("A chunk of an unannounced file, an index outside the file, a size other than the file's "
                       "chunking gives, data that is not base64, or data whose SHA-256 is not `body.sha256`.",
                       "Resend the chunk correctly; the media ack's `have` lists what the hub holds."),
    Reason.BAD_FILE: ("The file is refused: announced again with different content, inconsistent size and "
                      "chunking, outside the upload rules (kind, content type, order, open uploads), cancelling "
                      "a file that is not yours, or complete but not a whole JPEG/PNG or not matching its SHA-256.",
                      "Read `detail` in the media ack; send a new file under a new `file_id`."),
    Reason.UNKNOWN_TOPIC: ("The topic is not in this contract.", "Publish only on the topics below."),
    Reason.PROCESSING_FAULT: ("The hub failed while handling an accepted message; it is kept for the operators.",
                              "Nothing: the operators are told. Do not resend under a new id."),
}
