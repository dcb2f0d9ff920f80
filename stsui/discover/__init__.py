"""Sessions other tools made on this machine, found read-only (no Textual, no boto3)."""
