"""A real conversation as a Rasa test story, with personal data replaced by placeholders."""
