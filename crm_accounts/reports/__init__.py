"""Reports people look at: a self-contained HTML report, an Excel workbook and iCalendar agendas.

Everything here reads a finished :class:`~crm_accounts.domain.method.MethodResult`; nothing
computes the method again.
"""
