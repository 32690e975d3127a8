"""Small helpers shared by the API tests."""


def if_match(obj) -> dict:
    """Request headers naming the record's current version (what a client read with GET)."""
    version = type(obj)._base_manager.filter(pk=obj.pk).values_list("version", flat=True).get()
    return {"HTTP_IF_MATCH": f'"{version}"'}
