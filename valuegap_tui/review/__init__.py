"""Reviewing the dilemmas: decisions, relabels, undo, history, agreement, the second opinion, and
reviewers on several machines."""
