"""Arabic text and topics. Knows nothing about feeds: never import nashra.aggregator here."""
