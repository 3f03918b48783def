"""Business rules. Services take the acting user explicitly, flush and never commit; the caller commits."""
