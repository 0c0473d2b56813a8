"""The mock publishes which facts are assumptions: its contract document keeps the provenance markers and its
Swagger UI shows them (showExtensions)."""
from conftest import API

from contract import parse_yaml


def test_published_document_marks_documented_and_assumed_fields(client):
    served = parse_yaml(client.get(f"{API}/openapi.yaml").text)
    project = served["components"]["schemas"]["TrackingProject"]
    assert project["x-mock-assumed"].startswith("the docs show no body"), "'Detail mit KPIs' names no field"
    report = served["paths"]["/reports/{id}"]["get"]
    assert report["x-mock-source"] == "003 §Reports, l. 757"
    assert served["components"]["schemas"]["Report"]["x-mock-source"].startswith("003 §Reports, l. 815")


def test_api_reference_page_shows_the_markers(client):
    assert client.get(f"{API}/ui/", follow_redirects=False).headers["location"] == "/__mock/reference"
    page = client.get("/__mock/reference")
    assert page.status_code == 200 and "showExtensions: true" in page.text
    served = client.get("/__mock/reference/openapi.json").json()
    assert served["paths"]["/reports/{id}"]["get"]["x-mock-source"] == "003 §Reports, l. 757"
