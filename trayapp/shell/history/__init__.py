"""History, the I/O side: the SQLite database, its writer thread, the recorder and the reader."""
