"""The view -> bytes: URLs, formats and rendering, OPML, HTML pages, documents, export."""
