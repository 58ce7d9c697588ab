"""The API's documentation page in Chromium, under the site's content security policy:
Swagger UI draws every operation from the schema, and the browser refuses nothing."""


def test_the_api_docs_draw_the_schema_under_the_content_security_policy(browser, site):
    context = browser.new_context()  # the content security policy enforced
    page = context.new_page()
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text or "Refused" in message.text
            else None
        ),
    )
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{site}/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "Shared Services Register API" in page.locator(".swagger-ui .info").inner_text()
    page.locator(".opblock-summary-path", has_text="/api/v1/arrangements/").first.wait_for()
    assert page.locator(".opblock-get").count() >= 13
    assert refused == []
    # Everything it loaded came from this site.
    assert requested and all(url.startswith(site) or url.startswith("data:") for url in requested)
    context.close()
