"""zhifa."""
