"""Modal screens: the MFA prompt and help."""
