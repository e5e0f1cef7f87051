"""The `medallion demo` dataset: a realistic bronze layer, its metadata rows and gold SQL."""
