"""The `arabic-ie` command line."""
