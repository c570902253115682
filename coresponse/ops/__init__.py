"""Operations: keeping a running deployment safe (backups)."""
