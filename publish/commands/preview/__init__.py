"""`publish watch`: a live preview served on the loopback interface, rebuilt on every save."""
