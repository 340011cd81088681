"""The output sheets (Targets, Breakdown, …, Dashboard): described, then rendered.

`outputs` and `dashboard` turn engine results into plain descriptions (`description`: blocks,
columns, rules, charts); `layout` says where each part stands; `render` and `charts` write
them with XlsxWriter; `labels` holds every header and title in both languages. Imports the
engine only: the file and live writers (workbook/, excel/) put the rendered sheets in place.
"""
