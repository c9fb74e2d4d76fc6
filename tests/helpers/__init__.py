"""What several test modules share: studies, runs, fake clients and servers, Pilot helpers.

Tests import shared pieces from here, never from another test module or a conftest
(tests/test_suite_rules.py checks it): a helper kept in a test module ties its importers to that
module's fixtures and name, and a test module imported by another is easy to break by moving a test.
"""
