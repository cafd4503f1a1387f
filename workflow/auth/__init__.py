"""Sign-in: password hashes, web sessions, API tokens, rate limits."""
