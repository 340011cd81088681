"""Everything of salesplan that touches Excel, files or mail; the engine (engine/) computes.

Wings, in the order of the pipeline; a wing imports only those below it:

    engine  <-  sheets  <-  workbook  <-  repbook  <-  delivery  <-  commands  <-  excel, cli

- `sheets/`: the output sheets described as plain data, and rendered with XlsxWriter.
- `workbook/`: the planning workbook in and out (read, coerce, splice, atomic writes, init).
- `repbook/`: each rep's responsibility workbook and the region roll-ups, issued to a folder.
- `delivery/`: mailing the issued workbooks (SMTP or an outbox, journal, lock).
- `commands.py`, `recalibration.py`: the commands, one function each, over the wings; the
  command line (`cli.py`) and the Excel buttons (`excel/`) are thin front ends over them.
- `excel/`: what runs in or for Excel: worksheet functions, buttons, the live workbook,
  the add-in and macro-enabled plan, install and doctor.

`bundled.py` (where templates/ is installed) and `messages.py` (the plan-language message
catalogue) are shared by every wing and import nothing of them.
"""
