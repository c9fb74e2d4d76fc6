"""The experiment: plan every question, send it, keep every answer, resume where it stopped."""
