"""History, the pure side: figures, the per-poll record, charts, the details section, CLI report."""
