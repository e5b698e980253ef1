"""One writer per medium; writers share the model, the theme and templating, never each other."""
