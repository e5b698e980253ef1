"""Stage 6, commands: the command line, one module per command (new, build, check, watch)."""
