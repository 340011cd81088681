"""Mailing the issued workbooks: `send` over an SMTP server or an .eml outbox (`transport`),
the messages themselves (`mail`), a crash-safe journal (`journal`) and one run at a time per
folder (`runlock`). Imports the engine, sheets/, workbook/ and repbook/ (the manifest) only.
"""
