"""The paged writer: HTML for paged media laid out by WeasyPrint (book PDF, print PDF, handout)."""
