"""Customer payments the provider confirms (ARCHITECTURE.md, "Outside services").

A customer's `customer.pay` names a provider; the hub creates the payment with it (`intents.create`: our
trade number, the exact amount, a pay page or prepay data for the customer) and waits. The provider tells
the hub asynchronously with a signed notification to the webhook; `notifications.receive` verifies the
signature and freshness with the provider's adapter, checks the trade number, order and amount, and only
then records the money and forms the order, once. `manual` (a counter receipt) is for operators only.
"""
