"""`hub.orders.store.Order` is the typed row of `orders`: the same columns as the table on both backends,
and `order_row` gives the values the database holds."""

from __future__ import annotations

from hub.orders import store
from tests.hub.world import World


def test_the_typed_order_has_every_column_of_the_table(world: World) -> None:
    cur = world.conn.execute("SELECT * FROM orders LIMIT 0")
    assert tuple(d[0] for d in cur.description) == store.ORDER_COLUMNS


def test_order_row_reads_the_stored_order(world: World) -> None:
    order_id = world.request("c-0")
    order = store.order_row(world.conn, order_id)
    raw = world.conn.execute("SELECT * FROM orders WHERE id = ?", (order_id,)).fetchone()
    assert order.as_dict() == {k: raw[k] for k in store.ORDER_COLUMNS}
    assert (order.id, order.customer_id, order.state) == (order_id, "c-0", store.state_of(world.conn, order_id))
    assert order.fen("deposit") == order.deposit_fen and order.fen("prepayment") == order.prepayment_fen
