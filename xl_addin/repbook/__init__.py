"""Each rep's target responsibility workbook, the region roll-ups, and the issued folder.

`responsibility` picks one rep's numbers (and nothing of anyone else's); `render` writes the
workbook with live formulas; `issue` renders all of them on all cores into a folder, with
`encrypt` for passwords and `manifest` for what was issued to whom. Imports the engine,
sheets/ and workbook/ only.
"""
