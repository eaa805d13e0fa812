"""The Rasa project the assistant learns from: its files, the checks on them, training and loading the model."""
