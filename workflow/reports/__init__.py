"""Reports: the annual report (section 4 of the commune's TĐKT report), dashboards, exports."""
