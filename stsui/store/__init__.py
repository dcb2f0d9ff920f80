"""Files stsui reads and writes: the credentials file, atomic writes, the session caches."""
