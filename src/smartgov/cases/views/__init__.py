"""Pages of the cases app: the citizen's side (apply, my applications, corrections, certificates),
the staff workbench (queue, case page, dashboard) and the public certificate verification page."""
