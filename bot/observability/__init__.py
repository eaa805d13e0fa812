"""What the gateway tells its operators: metrics for Prometheus, structured logs, traces."""
