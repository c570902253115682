"""Referrals and their triage."""
