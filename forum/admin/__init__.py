"""Administration: settings, categories, brand, code of conduct."""
