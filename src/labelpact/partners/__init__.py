"""Pure partnership code: contracts, events, process control, risk and allocation."""
