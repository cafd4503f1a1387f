"""Operations: health checks and the worker probe."""
