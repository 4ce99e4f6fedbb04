"""Exporters: Schedule → bytes, one module per output family."""
