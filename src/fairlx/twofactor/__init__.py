"""Second factors: TOTP apps, one-time codes by email, and single-use recovery codes."""
