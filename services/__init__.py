"""gongwen: the domain and the application around it (no Prefect, no HTTP framework in the core)."""
