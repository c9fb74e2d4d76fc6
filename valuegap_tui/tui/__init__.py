"""The Textual application. Only this package imports Textual; it calls the headless core."""
