"""Plain values and the rules about them: roles, sessions, statuses, names, limits, paths."""
