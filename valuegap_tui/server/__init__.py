"""Talking to OpenAI-compatible servers: the shared client, answer extraction, probe, simulator."""
