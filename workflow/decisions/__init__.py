"""Decisions (quyết định khen thưởng), submissions (tờ trình) to the parent authority, outcomes."""
