"""Retail licensing (行政许可, DOMAIN.md §10): pure rules — materials and completeness, the working-day
decision clock, layout rules and distances, licence numbers and the licensing documents. No HTTP, no store."""
