"""The demo shop page and the embeddable web chat widget's files."""
