"""Sessions: obtain, reuse, renew and forget them through an injected STS gateway."""
