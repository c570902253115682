"""Tests of outreach contacts and addenda."""
