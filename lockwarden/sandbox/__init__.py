"""`lockwarden sandbox`: a live city on this machine until Ctrl+C (docs/sandbox.md).

A broker, the hub, the police export, the customer web app and several kits, each the real service in its own
process (each in a process group of its own, so stopping the sandbox leaves none behind); the kits' fingerprint
sensors and GNSS receivers are emulators a person drives through their control sockets; simulated customers
arrive through the customer web app at a steady pace; the sandbox SMS outbox is printed as it fills.
"""
