"""Pure partnership code: events, process control, risk and allocation (contracts and verdicts: ``labelpact.contracts``)."""
