"""Trainer tools: validate the training data, evaluate the model, retrain and reload the engine."""
