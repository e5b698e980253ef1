"""Stage 2, convert: each chapter's Markdown -> a checked HTML tree with its notes, links, ids and assets."""
