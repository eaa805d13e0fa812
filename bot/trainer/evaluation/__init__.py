"""`koliber eval`: the model scored on data it never trained on, each run written and compared with the last."""
