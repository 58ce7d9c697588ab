"""The arrangement form in the admin fits a 1280 px screen, with inline rows added."""

from django.contrib.auth.models import User

PASSWORD = "a long enough password 1"


def sign_in(page, site):
    User.objects.create_superuser("root", password=PASSWORD)
    page.goto(f"{site}/admin/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_the_arrangement_form_fits_1280_px_with_a_saving_added(page, site, register):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, site)
    page.goto(f"{site}/admin/register/arrangement/{register.legal.pk}/change/")
    page.locator("a.addlink", has_text="Add another Saving").click()
    page.locator("a.addlink", has_text="Add another Milestone").click()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, f"the form is {width} px wide"
    # The added saving's last fields are on screen, not off to the right.
    for field in ("textarea[name$='-description']", "select[name$='-source']"):
        box = page.locator(f"#savings-group {field}:visible").last.bounding_box()
        assert box and box["x"] + box["width"] <= 1280, field
