"""The agent: hands each role's session to whoever asks over a loopback HTTP server (or, for `stsui imds`,
as EC2's instance metadata on an address of your choice), keeping it fresh."""
