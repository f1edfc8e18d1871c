"""Bridge call records (CDR): receiving them, deriving call legs, and checking attendance against them."""
