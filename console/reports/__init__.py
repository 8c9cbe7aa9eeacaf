"""The bureau's reports as documents: A4 PDF (Qt painting, no widgets), xlsx and csv; the report command."""
