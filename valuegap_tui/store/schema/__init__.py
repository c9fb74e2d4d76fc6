"""Forward migrations, one module per schema version: vNNN_name.py with ``apply(db)``.

A study records which versions it has; opening it applies the missing ones in order. Never edit a
migration that has shipped: add a new one.
"""
