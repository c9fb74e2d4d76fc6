"""Respond mode: people answer the value and action questions a run asks its models."""
