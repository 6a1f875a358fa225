"""What Genie keeps for the user between runs: saved schemas (`schemas`) and the extraction log
(`logs`), both in the user data directory (``GENIE_DATA_DIR``)."""
