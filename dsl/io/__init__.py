"""Inputs (files, folders, JSON Lines) and outputs (JSON Lines, TSV, tables, HTML, SQLite)."""
