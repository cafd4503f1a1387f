"""Official documents (văn bản hành chính): decisions, submissions, council minutes, certificates and
the annual report section, rendered as DOCX and PDF in the Decree 30/2020/NĐ-CP layout."""
