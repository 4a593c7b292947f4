"""Transports: the interface domain code talks to (`base`) and its adapters (`paho_mqtt`, `memory`)."""
