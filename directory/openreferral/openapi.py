"""The feed's OpenAPI description: HSDS 3.0's paths, with the parameters this feed reads."""

from __future__ import annotations

HSDS = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema"
PAGING = ("page", "per_page")
SERVICE_FILTERS = ("search", "taxonomy_term_id", "taxonomy_id", "organization_id", "modified_after", "minimal", "full")

PATHS = {
    "/services": ("List published services", SERVICE_FILTERS + PAGING, "compiled/service_list.json", True),
    "/services/{id}": ("One service, fully nested", (), "compiled/service.json", False),
    "/taxonomies": ("List taxonomies", ("search",) + PAGING, "taxonomy.json", True),
    "/taxonomies/{id}": ("One taxonomy", (), "taxonomy.json", False),
    "/taxonomy_terms": (
        "List taxonomy terms",
        ("search", "taxonomy_id", "top_only", "parent_id") + PAGING,
        "taxonomy_term.json",
        True,
    ),
    "/taxonomy_terms/{id}": ("One taxonomy term", (), "taxonomy_term.json", False),
    "/organizations": (
        "List organisations",
        ("search", "full_service", "full") + PAGING,
        "compiled/organization_list.json",
        True,
    ),
    "/organizations/{id}": (
        "One organisation with its services",
        ("full_service",),
        "compiled/organization.json",
        False,
    ),
    "/service_at_locations": (
        "List services at locations",
        SERVICE_FILTERS + ("postcode", "proximity") + PAGING,
        "compiled/service_at_location_list.json",
        True,
    ),
    "/service_at_locations/{id}": ("One service at a location", (), "compiled/service_at_location.json", False),
}


def _operation(summary: str, parameters, schema: str, paged: bool, templated: bool) -> dict:
    params = [{"name": p, "in": "query", "required": False, "schema": {"type": "string"}} for p in parameters]
    if templated:
        params.insert(0, {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}})
    body = {"$ref": f"{HSDS}/{schema}"}
    if paged:
        body = {
            "allOf": [{"$ref": "#/components/schemas/Page"}],
            "properties": {"contents": {"type": "array", "items": {"$ref": f"{HSDS}/{schema}"}}},
        }
    return {
        "get": {
            "summary": summary,
            "parameters": params,
            "responses": {
                "200": {"description": summary, "content": {"application/json": {"schema": body}}},
                "400": {"description": "A parameter that cannot be used: {error, parameter, message}"},
                "404": {"description": "No published record with that id"},
            },
        }
    }


def openapi_document(base_url: str) -> dict:
    paths = {
        "/": {
            "get": {
                "summary": "HSDS version, profile and this document",
                "responses": {"200": {"description": "version, profile, openapi_url"}},
            }
        }
    }
    for path, (summary, parameters, schema, paged) in PATHS.items():
        paths[path] = _operation(summary, parameters, schema, paged, "{id}" in path)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "London reducing-reoffending service directory: Open Referral UK feed",
            "version": "3.0",
            "description": "HSDS 3.0 / Open Referral UK. Extension fields: see the profile page.",
            "license": {"name": "HSDS: CC BY-SA 4.0", "url": "https://creativecommons.org/licenses/by-sa/4.0/"},
        },
        "servers": [{"url": base_url.rstrip("/")}],
        "paths": paths,
        "components": {
            "schemas": {
                "Page": {
                    "type": "object",
                    "properties": {
                        "total_items": {"type": "integer"},
                        "total_pages": {"type": "integer"},
                        "page_number": {"type": "integer"},
                        "size": {"type": "integer"},
                        "first_page": {"type": "boolean"},
                        "last_page": {"type": "boolean"},
                        "empty": {"type": "boolean"},
                    },
                }
            }
        },
    }
