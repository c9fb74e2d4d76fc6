"""Metrics of the value-action gap, computed with numpy over stored answers."""
