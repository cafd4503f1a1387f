"""``tdkt bench http``: a province-sized dataset, served by gunicorn, loaded by locust (commands, not tests)."""
