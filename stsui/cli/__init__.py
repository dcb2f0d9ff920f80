"""The command line: `stsui [--config PATH] [COMMAND]`. With no command it opens the TUI."""
