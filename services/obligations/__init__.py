"""What a plan asks of each unit: obligations, cadences and periods, tasks, reports and 催办 (DOMAIN.md §5)."""
