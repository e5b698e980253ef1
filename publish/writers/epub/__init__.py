"""The EPUB writer: ebooklib packaging, navigation and page-list, fonts, cover and metadata."""
