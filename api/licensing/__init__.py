"""Retail licensing (行政许可, issue #23): applications at the counter, the on-site check, layout rules,
decisions within the legal working days, licences and their publication. Domain rules in zhifa.licensing."""
