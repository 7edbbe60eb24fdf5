"""The ledger: double-entry accounts and transfers, settlement, payouts and incentives."""
