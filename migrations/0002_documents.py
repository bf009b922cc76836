"""Contacts, documents with their lines and attached PDFs, API tokens and the firm's details."""

import datetime

from peewee import *


def up(migrator, db):
    class Contact(db.Model):
        kind = CharField(max_length=16)
        number = CharField(max_length=40, unique=True)
        name = CharField(max_length=200)
        email = CharField(max_length=254, default="")
        phone = CharField(max_length=40, default="")
        address_line1 = CharField(max_length=200, default="")
        address_line2 = CharField(max_length=200, default="")
        city = CharField(max_length=100, default="")
        postcode = CharField(max_length=20, default="")
        country = CharField(max_length=2, default="GB")
        vat_number = CharField(max_length=40, default="")
        care_of = ForeignKeyField("self", null=True, backref="sites", on_delete="SET NULL")
        ledger_contact_id = CharField(max_length=100, default="")
        created_at = DateTimeField(default=datetime.datetime.now)
        updated_at = DateTimeField(default=datetime.datetime.now)

        class Meta:
            table_name = "contact"
            indexes = ((("kind", "name"), False),)

    class Document(db.Model):
        kind = CharField(max_length=32)
        number = CharField(max_length=40, unique=True)
        contact = ForeignKeyField(Contact, backref="documents", on_delete="RESTRICT")
        care_of = ForeignKeyField(Contact, null=True, backref="care_of_documents",
                                  on_delete="SET NULL")
        issue_date = DateField()
        due_date = DateField(null=True)
        currency = CharField(max_length=3, default="GBP")
        reference = CharField(max_length=100, default="")
        status = CharField(max_length=16, default="draft")
        sent = BooleanField(default=False)
        sent_method = CharField(max_length=16, default="")
        sent_at = DateTimeField(null=True)
        original = ForeignKeyField("self", null=True, backref="credit_notes",
                                   on_delete="SET NULL")
        notes = TextField(default="")
        net_total = DecimalField(max_digits=14, decimal_places=2, default=0)
        tax_total = DecimalField(max_digits=14, decimal_places=2, default=0)
        gross_total = DecimalField(max_digits=14, decimal_places=2, default=0)
        synced_at = DateTimeField(null=True)
        created_at = DateTimeField(default=datetime.datetime.now)
        updated_at = DateTimeField(default=datetime.datetime.now)

        class Meta:
            table_name = "document"
            indexes = (
                (("issue_date", "id"), False),
                (("kind", "issue_date", "id"), False),
                (("sent", "issue_date", "id"), False),
                (("contact", "issue_date", "id"), False),
                (("updated_at", "id"), False),
            )

    class DocumentLine(db.Model):
        document = ForeignKeyField(Document, backref="lines", on_delete="CASCADE")
        position = IntegerField(default=0)
        description = TextField(default="")
        quantity = DecimalField(max_digits=14, decimal_places=4)
        unit_price = DecimalField(max_digits=14, decimal_places=4)
        category = CharField(max_length=16, default="")
        nominal_code = CharField(max_length=40, default="")
        tax_rate = DecimalField(max_digits=7, decimal_places=3)
        net = DecimalField(max_digits=14, decimal_places=2)
        tax = DecimalField(max_digits=14, decimal_places=2)
        gross = DecimalField(max_digits=14, decimal_places=2)

        class Meta:
            table_name = "document_line"
            indexes = ((("document", "position"), False),)

    class DocumentFile(db.Model):
        document = ForeignKeyField(Document, unique=True, backref="files", on_delete="CASCADE")
        filename = CharField(max_length=200)
        content = BlobField()
        size = IntegerField()
        sha256 = CharField(max_length=64)
        uploaded_at = DateTimeField(default=datetime.datetime.now)

        class Meta:
            table_name = "document_file"

    class User(db.Model):
        class Meta:
            table_name = "users"

    class ApiToken(db.Model):
        name = CharField(max_length=100)
        token_hash = CharField(max_length=64, unique=True)
        prefix = CharField(max_length=16)
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField(default=datetime.datetime.now)
        last_used_at = DateTimeField(null=True)
        revoked_at = DateTimeField(null=True)

        class Meta:
            table_name = "api_token"

    class FirmProfile(db.Model):
        name = CharField(max_length=200, default="")
        address_line1 = CharField(max_length=200, default="")
        address_line2 = CharField(max_length=200, default="")
        city = CharField(max_length=100, default="")
        postcode = CharField(max_length=20, default="")
        country = CharField(max_length=2, default="GB")
        vat_number = CharField(max_length=40, default="")
        email = CharField(max_length=254, default="")
        phone = CharField(max_length=40, default="")
        payment_terms = TextField(default="")
        logo = BlobField(null=True)
        logo_type = CharField(max_length=8, default="")
        updated_at = DateTimeField(default=datetime.datetime.now)

        class Meta:
            table_name = "firm_profile"

    db.create_tables([Contact, Document, DocumentLine, DocumentFile, ApiToken, FirmProfile])
    if isinstance(db, PostgresqlDatabase):
        # Prefix search on numbers (LIKE 'S10%') uses this index whatever the database collation.
        db.execute_sql("CREATE INDEX document_number_prefix ON document (number text_pattern_ops)")
        db.execute_sql("CREATE INDEX contact_number_prefix ON contact (number text_pattern_ops)")


def down(migrator, db):
    for table in ("firm_profile", "api_token", "document_file", "document_line", "document",
                  "contact"):
        db.execute_sql(f"DROP TABLE IF EXISTS {table}")
