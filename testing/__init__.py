"""Stand-ins and set-ups shared by the tests, the benchmarks and the demos (nothing outside tests/
imports tests/)."""
