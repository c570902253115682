"""Outreach contacts and addenda."""
