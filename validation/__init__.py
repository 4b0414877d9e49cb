"""Validation: expectation suites derived from FormSchema, domain rules, findings, review."""
