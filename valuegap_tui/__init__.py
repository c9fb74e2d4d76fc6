"""valuegap: measure the value-action gap of language models."""

__version__ = "0.1.0"
