"""Job functions (``fn(config, ctx) -> summary``) that are not big enough for a package of their own."""
