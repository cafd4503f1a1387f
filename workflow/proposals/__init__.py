"""Proposals (hồ sơ đề nghị khen thưởng): rounds, the life-cycle machine, eligibility, notice."""
