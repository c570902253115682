"""Who may see which person records, and which parts of them: the rules in one place."""
