"""A run's report: tables, summary and figures in a folder, and how far its data collection got."""
