"""`police-query --person ID_NUMBER`: everything the export holds about one person, following the orders.

A person appears by resident ID number in a few records (the request that names them as customer, witness
or officer; a locksmith's filing; a customer's risk warning). Most records of their orders name only the
order (formed, arrived, evidence, completed, documents, follow-up...) and a locksmith's jobs name only the
locksmith. So the search goes in three indexed steps over the export's key table (hub/police/index.py):

1. entries whose resident-ID key is the number (`via: id_number`);
2. if the person is a locksmith (a `locksmith.*` entry among those), every entry naming that locksmith,
   i.e. his jobs and warnings (`via: locksmith`);
3. every entry of every order met in 1 and 2 (`via: order`).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from hub.police import index
from hub.police.keys_index import normalise
from hub.police.query import Hit


@dataclass
class PersonResult:
    id_number: str
    orders: list[str] = field(default_factory=list)
    locksmiths: list[str] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    via: dict[int, str] = field(default_factory=dict)  # seq -> id_number | locksmith | order
    truncated: bool = False


def _seqs(conn: sqlite3.Connection, field_name: str, values: list[str]) -> set[int]:
    out: set[int] = set()
    for v in values:
        out |= index.seqs_with_key(conn, field_name, v)
    return out


def _rows(conn: sqlite3.Connection, seqs: set[int]) -> list[sqlite3.Row]:
    return index.entries_at(conn, seqs)


def find_person(conn: sqlite3.Connection, id_number: str, *, limit: int = 1000) -> PersonResult:
    idn = normalise("resident_id", id_number)
    res = PersonResult(id_number=idn)
    direct = _seqs(conn, "resident_id", [idn])
    first = _rows(conn, direct)
    locksmiths = sorted({str(r["entity_id"]) for r in first if str(r["kind"]).startswith("locksmith.")})
    by_locksmith = _seqs(conn, "locksmith", [normalise("locksmith", x) for x in locksmiths]) - direct
    seen = first + _rows(conn, by_locksmith)
    orders = sorted({str(r["order_id"]) for r in seen if r["order_id"]})
    by_order = _seqs(conn, "order", [normalise("order", o) for o in orders]) - direct - by_locksmith
    res.orders, res.locksmiths = orders, locksmiths
    res.via = {s: "id_number" for s in direct} | {s: "locksmith" for s in by_locksmith} | {
        s: "order" for s in by_order}
    everything = sorted(res.via)
    res.truncated = len(everything) > limit
    for r in _rows(conn, set(everything[:limit])):
        res.hits.append(Hit(seq=r["seq"], created_ms=r["created_ms"], kind=r["kind"], entity_id=r["entity_id"],
                            order_id=r["order_id"], file=r["file"], line=r["line"], data=json.loads(r["data_json"]),
                            media=json.loads(r["media_json"])))
    return res
