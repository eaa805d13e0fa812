"""`make bench`: intent accuracy and turn latency of the trained assistant."""
