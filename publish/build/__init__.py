"""Stage 5, build: prepare the book once, plan the outputs, run the writers (in parallel), write atomically."""
