"""Files -> articles: one seed, its YAML, the site data, the folder walk, reading many."""
