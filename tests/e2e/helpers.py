"""Steps the end-to-end tests share: the admin's widgets as a person uses them."""


def choose(page, select_id: str, search: str, option: str | None = None) -> None:
    """Pick `option` (default: `search`) in an admin autocomplete (select2) field."""
    page.click(f"#{select_id} + .select2 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", search)
    page.locator(".select2-container--open .select2-results__option", has_text=option or search).first.click()


def save(page) -> None:
    """Press Save and wait for the admin's answer: a success message, else fail with the errors
    the form shows."""
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success, .errornote")
    if page.locator(".errornote").count():
        errors = [e.inner_text() for e in page.locator(".errornote, .errorlist").all()]
        raise AssertionError(f"the form was refused: {errors}")
