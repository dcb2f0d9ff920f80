"""The roles file: its schema, loading, the starter file and the importer."""
