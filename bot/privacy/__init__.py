"""Customer data under RODO/GDPR: export, erasure, retention, redaction at rest and the audit log."""
