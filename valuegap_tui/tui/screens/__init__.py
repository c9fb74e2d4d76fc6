"""One screen per stage of a study."""
