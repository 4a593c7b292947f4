"""`lockwarden customer-web`: the customers' mobile web app, a hub-side gateway that speaks the customer MQTT
contract on behalf of its web sessions (one broker account, `web`; each customer's messages signed with that
customer's own key, so the hub checks them exactly as it checks any customer app)."""
