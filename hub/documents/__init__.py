"""R-11: document submission, verification and rejection on the hub (the deadline and the case are in
hub/orders/settle.py and hub/police/cases.py)."""
