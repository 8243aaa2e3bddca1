"""Partner contracts: a renegotiated contract is put on file by appending a row, never by rewriting the partner.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08

``partners`` refuses UPDATE (0003), so its ``contract_toml`` stays the contract the partner was added with.
``partner_contracts`` appends each contract put on file later (``labelpact partner contract``): the partner,
the contract's text in ``contracts`` (stored once per SHA-256), when and by whom. The contract in force is
the latest row, else ``partners.contract_toml``; a replay ``--as-of`` a day reads the latest row set by then.
The table is append-only like the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_UTC = sa.DateTime(timezone=True)
_SQLITE = [
    f"CREATE TRIGGER partner_contracts_no_{verb.lower()} BEFORE {verb} ON partner_contracts "
    "BEGIN SELECT RAISE(ABORT, 'partner_contracts is append-only'); END"
    for verb in ("UPDATE", "DELETE")
]
_POSTGRESQL = [  # labelpact_append_only() is the function revision 0002 made
    "CREATE TRIGGER partner_contracts_no_change BEFORE UPDATE OR DELETE ON partner_contracts "
    "FOR EACH ROW EXECUTE FUNCTION labelpact_append_only()",
    "CREATE TRIGGER partner_contracts_no_truncate BEFORE TRUNCATE ON partner_contracts "
    "FOR EACH STATEMENT EXECUTE FUNCTION labelpact_append_only()",
]


def upgrade() -> None:
    op.create_table(
        "partner_contracts",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("partner_id", _ID, nullable=False),
        sa.Column("contract_id", _ID, nullable=False),
        sa.Column("set_at", _UTC, nullable=False),
        sa.Column("set_by", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_contracts_partner_id_partners"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_partner_contracts_contract_id_contracts"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_contracts")),
    )
    op.create_index("ix_partner_contracts_partner_id_set_at", "partner_contracts", ["partner_id", "set_at"])
    for statement in {"sqlite": _SQLITE, "postgresql": _POSTGRESQL}.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade() -> None:
    op.drop_index("ix_partner_contracts_partner_id_set_at", table_name="partner_contracts")
    op.drop_table("partner_contracts")  # its triggers go with it
