"""Everything about feeds: config, fetch, parse, clean, identify, store, schedule, publish, the CLI."""
