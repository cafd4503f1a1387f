"""Council meetings (phiên họp Hội đồng TĐKT): agenda, attendance, recusal, secret ballot, tally, minutes."""
