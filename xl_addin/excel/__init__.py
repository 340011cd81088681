"""What runs in or for Excel: worksheet functions (`udfs`, wrappers in `udf_wrappers`), the
buttons (`buttons`, with `background` for a Send that must not freeze Excel) over the live
workbook (`livebook`), the add-in and the macro-enabled plan (`vba_projects`, `sources`,
`macro_workbook`), and `salesplan excel install/doctor/addin` (`cli`, `install`, `doctor`).
The top of the house with cli.py: it may import every wing and commands.py.
"""
