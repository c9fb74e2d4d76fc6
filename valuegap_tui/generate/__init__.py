"""Generating the study's items with a language model."""
