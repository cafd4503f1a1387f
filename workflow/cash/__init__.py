"""Cash awards (tiền thưởng): the base salary series and the amount each decision item pays."""
