"""Is each camera actually working? State history, uptime, reports, the alert."""
