"""Award catalogue and rule sets: what the law says, as data."""
