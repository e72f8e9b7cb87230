"""Articles -> the published view: sections at one moment, kept current, cached on disk."""
