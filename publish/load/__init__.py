"""Stage 1, load: book.toml -> typed config; the manuscript folder -> Book; sources with their line and column."""
