"""The PostgreSQL backend's index (``search_document``) and the reindex checkpoints.

One row per searchable thing (a *search document*), built by ``search.documents``. Permission is
carried by the row itself as *principals* (see ``search.scope``): ``acl`` (who may see the thing)
and ``acl_restrict`` (a second condition both must meet, for note visibility). The query keeps a
row only if ``acl && principals AND (acl_restrict = '{}' OR acl_restrict && principals)``.
"""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models


class SearchDocument(models.Model):
    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=12)
    object_id = models.BigIntegerField()
    citizen_id = models.BigIntegerField(null=True, blank=True)
    file_id = models.BigIntegerField(null=True, blank=True)
    territory_id = models.BigIntegerField(null=True, blank=True)
    title = models.TextField(default="")
    subtitle = models.TextField(default="", blank=True)
    body = models.TextField(default="", blank=True)
    # Normalised names (grc.matching: folded, particles removed) and their phonetic keys, for trigrams.
    names = models.TextField(default="", blank=True)
    phonetic = models.TextField(default="", blank=True)
    # Exact identifiers in canonical form: NIR, phone digits, e-mail, tracking code, registration number.
    codes = ArrayField(models.TextField(), default=list, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    programmes = ArrayField(models.TextField(), default=list, blank=True)
    status = models.CharField(max_length=30, default="", blank=True)
    acl = ArrayField(models.TextField(), default=list, blank=True)
    acl_restrict = ArrayField(models.TextField(), default=list, blank=True)
    sort_date = models.DateTimeField(null=True, blank=True)
    vector = SearchVectorField(null=True)
    indexed_at = models.DateTimeField()

    class Meta:
        db_table = "search_document"
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_key")]
        indexes = [
            # Text and permission in one GIN scan: the matching rows a user may see, nothing else.
            GinIndex(fields=["vector", "acl"], name="search_document_fts_acl"),
            GinIndex(fields=["names"], name="search_document_names_trgm", opclasses=["gin_trgm_ops"]),
            GinIndex(fields=["phonetic"], name="search_document_phon_trgm", opclasses=["gin_trgm_ops"]),
            GinIndex(fields=["codes"], name="search_document_codes"),
            models.Index(fields=["birth_date"], name="search_document_birth_date"),
            models.Index(fields=["citizen_id"], name="search_document_citizen"),
            models.Index(fields=["file_id"], name="search_document_file"),
        ]

    def __str__(self):
        return f"{self.kind}:{self.object_id}"


class ReindexCheckpoint(models.Model):
    """Where a ``search_reindex`` run of one kind stands, so an interrupted run resumes there."""

    kind = models.CharField(max_length=12, primary_key=True)
    backend = models.CharField(max_length=20)
    target = models.CharField(max_length=200, blank=True, help_text="Elasticsearch: the index being built.")
    last_id = models.BigIntegerField(default=0)
    done = models.PositiveBigIntegerField(default=0)
    started_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "search_reindex_checkpoint"

    def __str__(self):
        return f"{self.kind} > {self.last_id}"
