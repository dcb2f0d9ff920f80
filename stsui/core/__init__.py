"""The engine: roles, durations, sessions and the credentials file. Imports neither Textual nor boto3."""
