"""The planning workbook, in and out: read its tables, write salesplan's sheets back into it.

Reading (`reader`, `columns`, `coerce`, `tablesource`, `package`) turns the user's tables into
the engine's Plan, with every problem at its cell. Writing splices rendered sheets into the
user's package (`splice` over `opc`, `styles`, `sheetparts`, `xmltext`, `zipcopy`), edits
the user's own tables cell by cell (`sheetcells`, `tablewrite`), always atomically
(`atomic`). `filebook` is the file behind both; `init` and `example_company` make new plans.
Imports the engine and sheets/ only.
"""
