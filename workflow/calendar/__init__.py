"""Working days: Vietnam's public holidays (the ``holidays`` package) plus configured days."""
