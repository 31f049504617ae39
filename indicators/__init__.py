"""The domain of the administrative-reform dashboard: provinces, indicators, plans, targets,
actuals, the status rules, and the database that holds them (see README.md)."""
