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
                       "+-(2**53 - 1) is refused as `integer_out_of_range`).", "Fix the sender; resending the same bytes fails again."),
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
                       "chunking gives, a chunk frame carrying another number of bytes than its `body.size`, "
                       "(contract 1) data that is not base64, or bytes whose SHA-256 is not `body.sha256` (found on "
                       "arrival, or when the file's own hash fails and the hub checks its chunks one by one).",
                       "Resend the chunk correctly; the media ack's `have` lists what the hub holds (a chunk "
                       "dropped when its file's hash failed is missing from it again)."),
    Reason.BAD_FILE: ("The file is refused: announced again with different content, inconsistent size and "
                      "chunking, outside the upload rules (kind, content type, order, open uploads), cancelling "
                      "a file that is not yours, or complete but not a whole JPEG/PNG or not matching its SHA-256.",
                      "Read `detail` in the media ack; send a new file under a new `file_id`."),
    Reason.UNKNOWN_TOPIC: ("The topic is not in this contract.", "Publish only on the topics below."),
    Reason.NOT_UTF8: ("The payload is not UTF-8.", "Send UTF-8 JSON."),
    Reason.TOO_DEEP: ("Objects and arrays nested deeper than 32 levels (the deepest real message is under 8).",
                      "Fix the sender; resending the same bytes fails again."),
    Reason.DUPLICATE_KEY: ("The same key twice in one object (compared after unescaping): which value counts would "
                           "be the parser's guess, and the bytes kept as evidence would carry an unsigned one.",
                           "Fix the sender's encoder; resending the same bytes fails again."),
    Reason.NON_FINITE: ("`NaN`, `Infinity`, or a number too large for a double.",
                        "Send finite numbers only."),
    Reason.INT_RANGE: ("An integer outside +-(2**53 - 1) (a `seq` of 2**64, say): it has no canonical encoding.",
                       "Keep integers within +-(2**53 - 1)."),
    Reason.BAD_ID: ("An identifier that names a file (`file_id`, an announced SHA-256) is not of its format "
                    "(ULID, 64 lower-case hex digits) or would lead out of its folder.",
                    "Use a fresh ULID for each file and the file's real SHA-256."),
    Reason.RATE_LIMITED: ("Your account sent more messages than its rate (see Bounds on hostile input).",
                          "Send it again later: a kit's store does so by itself (the hub did not acknowledge it as "
                          "stored); an app repeats its request."),
    Reason.UPLOAD_LIMIT: ("Too many of your uploads are unfinished, or one was left untouched too long and its "
                          "partial bytes were dropped.", "Finish or resend the open files; announce a dropped one "
                                                         "again and send it from the start."),
    Reason.PROCESSING_FAULT: ("The hub failed while handling an accepted message; it is kept for the operators.",
                              "Nothing: the operators are told. Do not resend under a new id."),
}
