"""What every pydantic model of the project shares: problems said one per line, and numbers that are
not switches. Used by the catalogue's readers, designs, personas, run definitions and imports alike."""

from __future__ import annotations


def not_a_switch(value):
    """A number field's value, unless it is true or false: pydantic would read JSON's true as 1."""
    if isinstance(value, bool):
        raise ValueError(f"must be a whole number, not {str(value).lower()}")
    return value


def format_validation_error(exc: Exception) -> str:
    """One line per problem, 'field: reason', for messages shown to people."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return str(exc)
    parts = []
    for err in errors():
        where = ".".join(str(p) for p in err.get("loc", ())) or "(record)"
        message = err.get("msg", "").removeprefix("Value error, ")
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def not_a_switch(value):
    """A number field's value, unless it is true or false: pydantic would read JSON's true as 1."""
    if isinstance(value, bool):
        raise ValueError(f"must be a whole number, not {str(value).lower()}")
    return value
