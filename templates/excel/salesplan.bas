Attribute VB_Name = "Salesplan"
' salesplan: the buttons of the salesplan ribbon tab (salesplan.xlam) and of the Control
' sheet of a macro-enabled planning workbook (salesplan init PLAN.xlsm). Each button runs
' one entry point of xl_addin.excel.buttons on the active workbook through xlwings' RunPython;
' Python reads the workbook, writes only salesplan's own sheets and reports input
' problems in one message box.
'
' Source: templates/excel/salesplan.bas, built into files by `salesplan excel addin` and
' `salesplan init PLAN.xlsm`. Keep this file ASCII: localised text is generated from
' labels.toml (as ChrW codes, so it survives any VBA code page).
Option Explicit

' The xlwings release whose VBA module was built into this file; `salesplan excel doctor`
' compares it with the xlwings installed in Python.
Public Const SALESPLAN_XLWINGS_VERSION As String = "${xlwings_version}"

Public Sub SalesplanDecompose()
    RunPython "import xl_addin.excel.buttons; xl_addin.excel.buttons.decompose()"
End Sub

Public Sub SalesplanTrack()
    RunPython "import xl_addin.excel.buttons; xl_addin.excel.buttons.track()"
End Sub

Public Sub SalesplanIssueWorkbooks()
    RunPython "import xl_addin.excel.buttons; xl_addin.excel.buttons.issue_workbooks()"
End Sub

Public Sub SalesplanSend()
    RunPython "import xl_addin.excel.buttons; xl_addin.excel.buttons.send()"
End Sub

Public Sub SalesplanRecalibrate()
    RunPython "import xl_addin.excel.buttons; xl_addin.excel.buttons.recalibrate()"
End Sub

Public Sub SalesplanCollect()
    RunPython "import xl_addin.excel.buttons; xl_addin.excel.buttons.collect()"
End Sub

Public Sub SalesplanScenarios()
    RunPython "import xl_addin.excel.buttons; xl_addin.excel.buttons.scenarios()"
End Sub

' Help needs no Python, so it still answers when Python cannot be started.
Public Sub SalesplanHelp()
    MsgBox SalesplanHelpText(), vbInformation, "salesplan"
End Sub

' Ribbon callbacks (customUI14 onAction): Excel passes the pressed control.
Public Sub SalesplanRibbonDecompose(control As IRibbonControl)
    SalesplanDecompose
End Sub

Public Sub SalesplanRibbonTrack(control As IRibbonControl)
    SalesplanTrack
End Sub

Public Sub SalesplanRibbonIssueWorkbooks(control As IRibbonControl)
    SalesplanIssueWorkbooks
End Sub

Public Sub SalesplanRibbonSend(control As IRibbonControl)
    SalesplanSend
End Sub

Public Sub SalesplanRibbonRecalibrate(control As IRibbonControl)
    SalesplanRecalibrate
End Sub

Public Sub SalesplanRibbonCollect(control As IRibbonControl)
    SalesplanCollect
End Sub

Public Sub SalesplanRibbonScenarios(control As IRibbonControl)
    SalesplanScenarios
End Sub

Public Sub SalesplanRibbonHelp(control As IRibbonControl)
    SalesplanHelp
End Sub

Private Function SalesplanHelpText() As String
    Dim s As String
${help_text}
    SalesplanHelpText = s
End Function
