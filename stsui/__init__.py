"""stsui: a terminal UI session manager for AWS STS."""

__version__ = "0.1.0"
