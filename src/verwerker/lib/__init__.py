"""Framework-free helpers (no ORM imports)."""
