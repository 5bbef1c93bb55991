"""Portal views (filled in below)."""
