"""The stream: stages (enrich, sink), their wiring and the transports between them."""
