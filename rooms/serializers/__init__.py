"""The HTTP shape of the rooms app, one module per subject (units, endpoints, attendance, ...)."""
