"""Parent/child hierarchies (places, parties): cycle checks and descendant queries."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.expressions import RawSQL

# Deep enough for any real gazetteer (country > governorate > district > sub-district > town >
# neighbourhood) while stopping a corrupted chain from looping forever.
MAX_DEPTH = 32


class HierarchyMixin(models.Model):
    """A model with a nullable `parent` pointing at its own table."""

    class Meta:
        abstract = True

    def ancestors(self) -> list:
        """The chain of parents from the direct parent up to the root."""
        chain, node, seen = [], self.parent, {self.pk}
        while node is not None and node.pk not in seen and len(chain) < MAX_DEPTH:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain

    def clean_parent(self) -> None:
        """A record may not be its own ancestor."""
        node, depth = self.parent, 0
        while node is not None:
            if self.pk is not None and node.pk == self.pk:
                raise ValidationError({"parent": "A record cannot be its own parent or ancestor."})
            depth += 1
            if depth > MAX_DEPTH:
                raise ValidationError({"parent": f"The hierarchy is deeper than {MAX_DEPTH} levels."})
            node = node.parent


def subtree_ids(model: type[models.Model], root_ids_sql: str, params: list) -> RawSQL:
    """A subquery of the ids of the rows selected by `root_ids_sql` and all rows below them.

    One recursive CTE, the same SQL on SQLite and PostgreSQL; UNION (not UNION ALL) makes a
    cycle terminate. Use as ``queryset.filter(place_id__in=subtree_ids(Place, ...))``.
    """
    table = model._meta.db_table
    sql = (
        f"WITH RECURSIVE subtree(id) AS ({root_ids_sql} "  # nosec B608
        f"UNION SELECT child.id FROM {table} child JOIN subtree ON child.parent_id = subtree.id) "
        "SELECT id FROM subtree"
    )
    return RawSQL(sql, params)  # nosec B611


def subtree_of(model: type[models.Model], pk: int) -> RawSQL:
    """Ids of the row `pk` and everything below it."""
    return subtree_ids(model, f"SELECT id FROM {model._meta.db_table} WHERE id = %s", [pk])  # nosec B608
