"""Acknowledge, snooze and waive: people's answers to an alert, stored, and the rule that
keeps an answered exposure quiet (`rules`), the actions that record them (`actions`); their
CLI commands are `pipeline.cli.holds`."""
