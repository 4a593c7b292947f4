"""Hub-side police forwarding: the durable outbox that carries police_feed to the police export."""
