"""The steering committee's report: the data it shows (`warehouse.report.data`, built from
the marts) and its renderings (HTML, PDF for A4, Excel). Aggregates only: no personal data
reaches any of it."""
