"""Organisation: authorities, units, users, roles, councils and nominees."""
