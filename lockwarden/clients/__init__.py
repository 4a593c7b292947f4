"""Clients of the hub over the MQTT contract: the customer app and the operator's ops client."""
