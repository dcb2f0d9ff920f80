"""The agent: hands each role's session to whoever asks over a loopback HTTP server, keeping it fresh."""
