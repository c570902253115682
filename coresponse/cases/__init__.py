"""Cases, assignments to teams, and case history."""
