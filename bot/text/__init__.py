"""Language handling shared by every channel: language detection, number words, identifiers."""
