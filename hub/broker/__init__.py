"""The hub operates the city's Mosquitto: its configuration, users and ACL are rendered from here."""
