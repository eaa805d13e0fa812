"""Running Koliber in production: backups, restores and the upgrade guard."""
