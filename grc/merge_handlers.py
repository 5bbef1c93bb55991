"""Built-in merge handlers of the citizen reference (filled in by grc.services.merge)."""
